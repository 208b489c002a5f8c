import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Database } from '../../src/lib/server/db';
import { insertDocument } from '../../src/lib/server/knowledge/documents.repo';
import { followEmbedderChanges } from '../../src/lib/server/knowledge/active-embedder';
import { ingestDocument } from '../../src/lib/server/knowledge/ingestion';
import { createServices, type AppServices } from '../../src/lib/server/services';
import { createUser } from '../../tests/support/fixtures';

/** BEIR SciFact, next to the checkout (see its README). */
export const SCIFACT_DIR = process.env.SCIFACT_DIR ?? '../shared/eval/scifact';

export interface CorpusDoc {
	id: string;
	title: string;
	text: string;
}

export async function readJsonl<T>(path: string): Promise<T[]> {
	const rows: T[] = [];
	for await (const line of createInterface({ input: createReadStream(path) })) if (line.trim()) rows.push(JSON.parse(line) as T);
	return rows;
}

export async function readCorpus(limit = Infinity): Promise<CorpusDoc[]> {
	const rows = await readJsonl<{ _id: string; title: string; text: string }>(`${SCIFACT_DIR}/corpus.jsonl`);
	return rows.slice(0, limit).map((row) => ({ id: row._id, title: row.title || row._id, text: row.text }));
}

/** Services for offline runs: nothing queued (documents are ingested here, by the worker's own function). */
export function offlineServices(): AppServices {
	return createServices({ ingestion: { schedule: async () => undefined, scheduleReembedding: async () => undefined } });
}

/** An enterprise admin (no limits) who owns and publishes the corpus; embedding calls are charged to them. */
export async function corpusOwner(db: Database): Promise<string> {
	const user = await createUser(db, 'corpus-admin');
	await db.prisma.profile.update({ where: { id: user.id }, data: { role: 'admin', tier: 'enterprise' } });
	return user.id;
}

export interface IngestTiming {
	documents: number;
	chunks: number;
	/** Seconds until every document was chunked (searchable by keyword). */
	chunkedSeconds: number;
	/** Seconds until every chunk had its vector. */
	embeddedSeconds: number;
}

/**
 * Ingests the corpus through the app's ingestion code (insert → ingestDocument: chunk, embed via
 * the governed call, ready), `workers` documents at a time. Keyword-searchable time is when the
 * last document was chunked; it is measured from the same run.
 */
export async function ingestCorpus(db: Database, services: AppServices, ownerId: string, docs: readonly CorpusDoc[], workers = 1): Promise<IngestTiming> {
	const started = performance.now();
	const ids: string[] = [];
	for (const doc of docs) {
		const content = doc.text;
		const created = await insertDocument(db.prisma, {
			title: doc.title.slice(0, 300),
			source: `scifact:${doc.id}`,
			format: 'text',
			sizeBytes: Buffer.byteLength(content),
			content,
			ownerId,
			createdBy: ownerId,
			visibility: 'public',
			categoryId: null
		});
		ids.push(created.id);
	}
	const deps = { db, services };
	// As the server does (background.ts): the active embedder is read once, not per document.
	const stopFollowing = await followEmbedderChanges(db);
	// As the worker's two queues do: chunk jobs first (fast), embed jobs after.
	const run = async (until: 'chunked' | 'ready') => {
		let next = 0;
		const worker = async () => {
			while (next < ids.length) {
				const id = ids[next++];
				if (!id) break;
				const result = await ingestDocument(deps, id, { lastAttempt: true, until });
				if (result !== until) throw new Error(`document ${id} ended ${result}`);
			}
		};
		await Promise.all(Array.from({ length: workers }, worker));
	};
	await run('chunked');
	const chunkedAt = performance.now();
	await run('ready');
	const finished = performance.now();
	await stopFollowing();
	const chunks = await db.prisma.knowledgeBaseEntry.count();
	return { documents: ids.length, chunks, chunkedSeconds: (chunkedAt - started) / 1000, embeddedSeconds: (finished - started) / 1000 };
}

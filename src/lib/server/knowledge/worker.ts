import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db';
import type { JobQueue } from '../jobs';
import { logger } from '../logging/logger';
import type { AppServices } from '../services';
import { insertDocument, systemDocumentSources, unfinishedDocumentIds } from './documents.repo';
import { EMBED_JOB, INGEST_JOB, ingestDocument } from './ingestion';
import { REEMBED_JOB, runReembedding } from './reembed';
import { useLiteThreads } from '../ai/use-lite-embedding';

/** Documents embedded at once by this process. */
export function embeddingConcurrency(): number {
	return useLiteThreads() + 1;
}

const GUIDE_CATEGORY = 'Help';

/**
 * Starts this process's ingestion worker, seeds the shipped user guide on first start, and
 * re-queues documents whose ingestion never finished (their job may have been lost with a crash
 * before it was queued); the queue's singleton key keeps that from running a document twice.
 */
export async function startKnowledgeWork(db: Database, queue: JobQueue, services: AppServices): Promise<void> {
	const deps = { db, services };
	await queue.work(INGEST_JOB, async (job) => {
		const result = await ingestDocument(deps, job.data.documentId, { lastAttempt: job.attempt > (INGEST_JOB.settings.retryLimit ?? 0), until: 'chunked' });
		if (result === 'chunked') await queue.enqueue(EMBED_JOB, job.data, { singletonKey: job.data.documentId });
	});
	// One more document in flight than the offline model has threads, so a thread never waits for
	// the database writes of the document before; a remote embedder gets the same modest concurrency.
	await queue.work(
		EMBED_JOB,
		async (job) => {
			await ingestDocument(deps, job.data.documentId, { lastAttempt: job.attempt > (EMBED_JOB.settings.retryLimit ?? 0) });
		},
		{ concurrency: embeddingConcurrency() }
	);
	await queue.work(REEMBED_JOB, async (job) => {
		await runReembedding(deps, job.data);
	});
	const seeded = await seedUserGuide(db).catch((error: unknown) => {
		logger.warn({ err: error }, 'could not seed the user guide');
		return 0;
	});
	const unfinished = await unfinishedDocumentIds(db.prisma);
	for (const documentId of unfinished) await queue.enqueue(INGEST_JOB, { documentId }, { singletonKey: documentId });
	if (seeded > 0 || unfinished.length > 0) logger.info({ seeded, queued: unfinished.length }, 'knowledge ingestion queued');
}

export function guideDir(): string {
	return path.resolve(process.env.GUIDE_DIR ?? 'docs/guide');
}

/**
 * The user guide (docs/guide/*.md) as published system documents in the Help category, each added
 * once (by its source, `guide/<file>`); an admin who deletes one won't see it come back unless the
 * file is renamed. Returns how many were added.
 */
export async function seedUserGuide(db: Database, dir = guideDir()): Promise<number> {
	let names: string[];
	try {
		names = (await readdir(dir)).filter((name) => name.endsWith('.md')).sort();
	} catch {
		return 0; // no guide shipped with this build
	}
	const existing = await systemDocumentSources(db.prisma);
	const category = await db.prisma.category.findUnique({ where: { name: GUIDE_CATEGORY }, select: { id: true } });
	let added = 0;
	for (const name of names) {
		const source = `guide/${name}`;
		if (existing.has(source)) continue;
		const content = await readFile(path.join(dir, name), 'utf8');
		const title = /^#\s+(.+)$/m.exec(content)?.[1]?.trim() ?? name.replace(/\.md$/, '');
		await insertDocument(db.prisma, {
			title,
			source,
			format: 'markdown',
			sizeBytes: Buffer.byteLength(content),
			content,
			ownerId: null,
			createdBy: null,
			visibility: 'public',
			categoryId: category?.id ?? null
		});
		added++;
	}
	return added;
}

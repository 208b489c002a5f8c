/**
 * npm run eval:kb — search quality on BEIR SciFact's training split (809 claims, 919 judgements),
 * ingested through the app's ingestion code, and on labelled "how do I…" questions over the
 * shipped user guide: nDCG@10 and recall@10 for BM25, vector and hybrid search, plus Postgres
 * ts_rank as a baseline, for every offline embedder. Hybrid runs with the weights stored with the
 * embedder (032, 048), which are chosen on the training split: the sweep printed above each table.
 *
 * EVAL_LIMIT=1000 runs on the first 1,000 abstracts only (with the queries judged on them).
 */
import { readFileSync } from 'node:fs';
import { asUser, type Database } from '../src/lib/server/db';
import { embeddingProviderOf } from '../src/lib/server/knowledge/embedders';
import { embedderByName } from '../src/lib/server/knowledge/embedders.repo';
import { beginReembedding, runReembedding } from '../src/lib/server/knowledge/reembed';
import { hybridSearch, textSearch, tsRankSearch, vectorSearch, type RankedChunk } from '../src/lib/server/knowledge/search.repo';
import { embeddingConcurrency, seedUserGuide } from '../src/lib/server/knowledge/worker';
import { ingestPending } from '../src/lib/server/knowledge/ingestion';
import { benchEngines } from './support/engines';
import { corpusOwner, ingestCorpus, offlineServices, readCorpus, readJsonl, SCIFACT_DIR } from './support/knowledge-corpus';

const K = 10;
const CANDIDATES = 50;
const OFFLINE_EMBEDDERS = ['use-lite', 'hashed'] as const;
const WEIGHTS = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1];

interface Query {
	id: string;
	text: string;
	relevant: Set<string>;
}

function ndcgAt(ranked: string[], relevant: Set<string>): number {
	let dcg = 0;
	ranked.slice(0, K).forEach((id, index) => {
		if (relevant.has(id)) dcg += 1 / Math.log2(index + 2);
	});
	let ideal = 0;
	for (let index = 0; index < Math.min(K, relevant.size); index++) ideal += 1 / Math.log2(index + 2);
	return ideal === 0 ? 0 : dcg / ideal;
}

function recallAt(ranked: string[], relevant: Set<string>): number {
	return ranked.slice(0, K).filter((id) => relevant.has(id)).length / relevant.size;
}

/** Chunks → their judged unit (a SciFact abstract, a guide section), first occurrence wins. */
function toUnits(chunks: RankedChunk[], unitOf: Map<string, string>): string[] {
	const seen: string[] = [];
	for (const chunk of chunks) {
		const unit = unitOf.get(chunk.id);
		if (unit && !seen.includes(unit)) seen.push(unit);
	}
	return seen;
}

/** The same weighted RRF as knowledge_hybrid_search, for choosing weights without re-running SQL per weight. */
function fuse(text: RankedChunk[], vector: RankedChunk[], vectorWeight: number): RankedChunk[] {
	const scores = new Map<string, { chunk: RankedChunk; score: number; t: number; v: number }>();
	text.forEach((chunk, index) => scores.set(chunk.id, { chunk, score: 1 / (60 + index + 1), t: index + 1, v: 1e6 }));
	vector.forEach((chunk, index) => {
		const entry = scores.get(chunk.id) ?? { chunk, score: 0, t: 1e6, v: 1e6 };
		entry.score += vectorWeight / (60 + index + 1);
		entry.v = index + 1;
		scores.set(chunk.id, entry);
	});
	return [...scores.values()].sort((a, b) => b.score - a.score || a.t - b.t || a.v - b.v).map((entry) => entry.chunk);
}

interface Row {
	method: string;
	ndcg: number;
	recall: number;
}

async function evaluate(db: Database, userId: string, queries: Query[], unitOf: Map<string, string>, embedderName: string): Promise<{ rows: Row[]; best: number }> {
	const services = offlineServices();
	const embedder = await embedderByName(db.prisma, embedderName);
	if (!embedder) throw new Error(`no embedder ${embedderName}`);
	const provider = embeddingProviderOf(services, embedder);
	const vectors = await provider.embed(queries.map((query) => query.text));
	const runs: { text: RankedChunk[]; vector: RankedChunk[]; tsRank: RankedChunk[] }[] = [];
	for (const [index, query] of queries.entries()) {
		runs.push(
			await asUser(db, userId, async (tx) => ({
				text: await textSearch(tx, query.text, CANDIDATES, null),
				vector: await vectorSearch(tx, vectors[index] ?? [], embedderName, CANDIDATES, null),
				tsRank: await tsRankSearch(tx, query.text, CANDIDATES)
			}))
		);
	}
	const score = (rank: (index: number) => RankedChunk[]): Row => {
		let ndcg = 0;
		let recall = 0;
		queries.forEach((query, index) => {
			const units = toUnits(rank(index), unitOf);
			ndcg += ndcgAt(units, query.relevant);
			recall += recallAt(units, query.relevant);
		});
		return { method: '', ndcg: ndcg / queries.length, recall: recall / queries.length };
	};
	const byWeight = WEIGHTS.map((weight) => ({ weight, ...score((index) => fuse(runs[index]?.text ?? [], runs[index]?.vector ?? [], weight)) }));
	const best = byWeight.reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
	// The weight stored with the embedder (what search uses), through the SQL function itself, as search runs it.
	const stored = await embedderByName(db.prisma, embedderName);
	const weights = { textWeight: stored?.embedder.textWeight ?? 1, vectorWeight: stored?.embedder.vectorWeight ?? 1 };
	const sqlHybrid: RankedChunk[][] = [];
	for (const [index, query] of queries.entries()) {
		sqlHybrid.push(await asUser(db, userId, (tx) => hybridSearch(tx, { query: query.text, embedding: vectors[index] ?? null, embedder: embedderName, limit: CANDIDATES, categoryId: null, ...weights, candidates: CANDIDATES })));
	}
	const rows: Row[] = [
		{ ...score((index) => runs[index]?.tsRank ?? []), method: 'ts_rank (baseline)' },
		{ ...score((index) => runs[index]?.text ?? []), method: 'text (BM25)' },
		{ ...score((index) => runs[index]?.vector ?? []), method: `vector (${embedderName})` },
		{ ...score((index) => fuse(runs[index]?.text ?? [], runs[index]?.vector ?? [], 1)), method: 'hybrid, equal-weight RRF' },
		{ ...score((index) => sqlHybrid[index] ?? []), method: `hybrid, stored weights ${weights.textWeight}/${weights.vectorWeight} (SQL)` }
	];
	console.log(`  vector weight sweep (nDCG@10): ${byWeight.map((entry) => `${entry.weight}→${entry.ndcg.toFixed(3)}`).join('  ')}   best ${best.weight}`);
	const [text, vector, hybrid] = [rows[1], rows[2], rows[4]];
	if (text && vector && hybrid) {
		const bestPart = Math.max(text.ndcg, vector.ndcg);
		console.log(`  hybrid at the stored weight ${hybrid.ndcg >= bestPart - 1e-9 ? '≥' : '<'} its best part (${hybrid.ndcg.toFixed(3)} vs ${bestPart.toFixed(3)})`);
	}
	return { rows, best: best.weight };
}

function print(title: string, rows: Row[]): void {
	console.log(`\n${title}`);
	console.log(`  ${'method'.padEnd(42)} nDCG@10  recall@10`);
	for (const row of rows) console.log(`  ${row.method.padEnd(42)} ${row.ndcg.toFixed(3).padStart(7)}  ${row.recall.toFixed(3).padStart(9)}`);
}

async function unitsByChunk(db: Database, unitOfChunk: (chunk: { source: string | null; headingPath: string[] }) => string | null): Promise<Map<string, string>> {
	const chunks = await db.prisma.knowledgeBaseEntry.findMany({ select: { id: true, source: true, headingPath: true } });
	const map = new Map<string, string>();
	for (const chunk of chunks) {
		const unit = unitOfChunk(chunk);
		if (unit) map.set(chunk.id, unit);
	}
	return map;
}

async function switchTo(db: Database, name: string, userId: string): Promise<void> {
	const current = await db.prisma.knowledgeEmbedder.findFirst({ where: { state: 'active' } });
	if (current?.name === name) return;
	const deps = { db, services: offlineServices() };
	await db.prisma.$transaction((tx) => beginReembedding(tx, name));
	await runReembedding(deps, { embedder: name, requestedBy: userId });
}

async function main(): Promise<void> {
	const limit = process.env.EVAL_LIMIT ? Number(process.env.EVAL_LIMIT) : Infinity;
	const engines = await benchEngines();

	// ── SciFact ──
	const corpus = await readCorpus(limit);
	const inCorpus = new Set(corpus.map((doc) => doc.id));
	const qrels = new Map<string, Set<string>>();
	for (const line of readFileSync(`${SCIFACT_DIR}/qrels-train.tsv`, 'utf8').split('\n').slice(1)) {
		const [queryId, docId, score] = line.split('\t');
		if (!queryId || !docId || Number(score) <= 0 || !inCorpus.has(docId)) continue;
		qrels.set(queryId, (qrels.get(queryId) ?? new Set()).add(docId));
	}
	const queries = (await readJsonl<{ _id: string; text: string }>(`${SCIFACT_DIR}/queries-train.jsonl`)).flatMap((query) => {
		const relevant = qrels.get(query._id);
		return relevant ? [{ id: query._id, text: query.text, relevant }] : [];
	});
	const sci = await engines.pglite({ migrated: true });
	try {
		const owner = await corpusOwner(sci.db);
		const timing = await ingestCorpus(sci.db, offlineServices(), owner, corpus, embeddingConcurrency());
		console.log(`SciFact training split: ${timing.documents} abstracts → ${timing.chunks} chunks (ingested in ${timing.embeddedSeconds.toFixed(0)} s), ${queries.length} judged claims`);
		const unitOf = await unitsByChunk(sci.db, (chunk) => chunk.source?.replace(/^scifact:/, '') ?? null);
		for (const name of OFFLINE_EMBEDDERS) {
			await switchTo(sci.db, name, owner);
			console.log(`\n[SciFact, embedder ${name}]`);
			const { rows } = await evaluate(sci.db, owner, queries, unitOf, name);
			print(`SciFact train (${queries.length} claims), embedder ${name}`, rows);
		}
	} finally {
		await sci.dispose();
	}

	// ── The user guide ──
	const labelled = JSON.parse(readFileSync('bench/kb-guide-questions.json', 'utf8')) as { question: string; file: string; heading: string }[];
	const guide = await engines.pglite({ migrated: true });
	try {
		const owner = await corpusOwner(guide.db);
		await seedUserGuide(guide.db);
		const ids = (await guide.db.prisma.knowledgeDocument.findMany({ select: { id: true } })).map((row) => row.id);
		await ingestPending({ db: guide.db, services: offlineServices() }, ids);
		const unitOf = await unitsByChunk(guide.db, (chunk) => `${chunk.source}#${chunk.headingPath.at(-1) ?? ''}`);
		const guideQueries = labelled.map((item, index) => ({ id: String(index), text: item.question, relevant: new Set([`guide/${item.file}#${item.heading}`]) }));
		for (const name of OFFLINE_EMBEDDERS) {
			await switchTo(guide.db, name, owner);
			console.log(`\n[User guide, embedder ${name}]`);
			const { rows } = await evaluate(guide.db, owner, guideQueries, unitOf, name);
			print(`User guide (${guideQueries.length} "how do I…" questions), embedder ${name}`, rows);
		}
	} finally {
		await guide.dispose();
	}
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	}
);

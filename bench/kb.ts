/**
 * npm run bench:kb — in one run:
 * 1. ingestion throughput (documents and chunks per second, offline default embedder) for SciFact
 *    abstracts on both engines: time until keyword-searchable and until fully embedded;
 * 2. HNSW vs exact vector search over N synthetic clustered 1536-d chunks (10k; 100k with
 *    BENCH_KB_LARGE=1): p50/p95 and recall@10 against exact, and the speed ratio, on both engines.
 *
 * BENCH_KB_DOCS (default 1000) sets how many abstracts are ingested; the full corpus is 5,183.
 */
import type { Database } from '../src/lib/server/db';
import { benchEngines, type OpenedDatabase } from './support/engines';
import { corpusOwner, ingestCorpus, offlineServices, readCorpus } from './support/knowledge-corpus';
import { median, percentile } from './support/stats';

const DOCS = Number(process.env.BENCH_KB_DOCS ?? 1000);
const SIZES = process.env.BENCH_KB_LARGE ? [10_000, 100_000] : [10_000];
const QUERIES = 50;

async function ingestion(name: string, open: () => Promise<OpenedDatabase>, workers: number): Promise<void> {
	const opened = await open();
	try {
		const owner = await corpusOwner(opened.db);
		const docs = await readCorpus(DOCS);
		const timing = await ingestCorpus(opened.db, offlineServices(), owner, docs, workers);
		console.log(
			`  ${name.padEnd(8)} ${timing.documents} docs → ${timing.chunks} chunks · keyword-searchable after ${timing.chunkedSeconds.toFixed(1)} s (${(timing.documents / timing.chunkedSeconds).toFixed(0)} docs/s)` +
				` · fully embedded after ${timing.embeddedSeconds.toFixed(1)} s (${(timing.documents / timing.embeddedSeconds).toFixed(1)} docs/s, ${(timing.chunks / timing.embeddedSeconds).toFixed(1)} chunks/s)` +
				` · full corpus extrapolated: ${((timing.chunkedSeconds * 5183) / timing.documents / 60).toFixed(1)} min / ${((timing.embeddedSeconds * 5183) / timing.documents / 60).toFixed(1)} min`
		);
	} finally {
		await opened.dispose();
	}
}

/** Clustered random unit vectors, generated in SQL (fast on both engines), tagged with one embedder. */
async function fillVectors(db: Database, count: number): Promise<void> {
	await db.withSession(async (session) => {
		await session.query(`drop index if exists public.knowledge_base_embedding_idx`);
		await session.query(`
			with centres as (select c, array(select random() - 0.5 from generate_series(1, 1536)) as v from generate_series(1, 100) c)
			insert into public.knowledge_base (title, content, embedder, embedding_dimensions, visibility, embedding)
			select 'synthetic ' || g, 'synthetic chunk ' || g, 'bench', 1536, 'public',
			       public.l2_normalize((select array_agg(x + (random() - 0.5) * 0.6 order by i) from unnest(centres.v) with ordinality as u(x, i))::public.vector)
			from generate_series(1, ${count}) g join centres on centres.c = 1 + g % 100`);
		await session.query(`create index knowledge_base_embedding_idx on public.knowledge_base using hnsw (embedding vector_cosine_ops)`);
		await session.query(`analyze public.knowledge_base`);
	});
}

async function vectorSearchBench(name: string, open: () => Promise<OpenedDatabase>, size: number): Promise<void> {
	const opened = await open();
	try {
		const db = opened.db;
		const built = performance.now();
		await fillVectors(db, size);
		const buildSeconds = (performance.now() - built) / 1000;
		const probes = await db.withSession((session) => session.query<{ id: string }>(`select id::text as id from public.knowledge_base order by random() limit ${QUERIES}`));
		const hnswTimes: number[] = [];
		const exactTimes: number[] = [];
		let recall = 0;
		for (const probe of probes) {
			const vector = `(select embedding from public.knowledge_base where id = '${probe.id}')`;
			const t0 = performance.now();
			const hnsw = await db.withSession((session) => session.query<{ id: string }>(`select id::text as id from public.knowledge_vector_search(${vector}, 'bench', 10)`));
			hnswTimes.push(performance.now() - t0);
			const t1 = performance.now();
			// The same ordering with the index out of reach: every vector is compared.
			const exact = await db.withSession((session) =>
				session.transaction(async (tx) => {
					await tx.exec('set local enable_indexscan = off');
					return tx.query<{ id: string }>(`select id::text as id from public.knowledge_base where embedder = 'bench' order by embedding <=> ${vector} limit 10`);
				})
			);
			exactTimes.push(performance.now() - t1);
			const truth = new Set(exact.map((row) => row.id));
			recall += hnsw.filter((row) => truth.has(row.id)).length / 10;
		}
		const ratio = median(exactTimes) / median(hnswTimes);
		console.log(
			`  ${name.padEnd(8)} ${size.toLocaleString('en-US')} × 1536-d (insert + HNSW build ${buildSeconds.toFixed(0)} s): HNSW p50 ${median(hnswTimes).toFixed(1)} ms p95 ${percentile(hnswTimes, 95).toFixed(1)} ms · exact p50 ${median(exactTimes).toFixed(1)} ms p95 ${percentile(exactTimes, 95).toFixed(1)} ms · ${ratio.toFixed(0)}× faster · recall@10 ${(recall / probes.length).toFixed(3)}`
		);
	} finally {
		await opened.dispose();
	}
}

async function main(): Promise<void> {
	const engines = await benchEngines();
	const targets: [string, () => Promise<OpenedDatabase>, number][] = [['pglite', () => engines.pglite({ migrated: true }), 1]];
	if (engines.native) {
		const native = engines.native;
		targets.push(['native', () => native({ migrated: true, poolSize: 4 }), 2]);
	} else console.log('(no native server reachable: native rows skipped)');
	console.log(`Ingestion of ${DOCS} SciFact abstracts (offline default embedder, use-lite):`);
	for (const [name, open, workers] of targets) await ingestion(name, open, workers);
	console.log('\nVector search, HNSW (ef_search 100, iterative scan) vs exact:');
	for (const size of SIZES) for (const [name, open] of targets) await vectorSearchBench(name, open, size);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	}
);

import type { Database } from '../../src/lib/server/db';

/**
 * Synthetic 1536-d chunks for the search benchmark, generated inside Postgres (no 1 GB of vector
 * literals over the wire). Uniform random vectors make every point nearly equidistant, so recall
 * would mean little: these are clustered in two levels, like real embeddings of related texts —
 * topics (random centres), sub-topics around them, chunks around those:
 *   chunk = topic + 0.5·u + 0.25·u'   (u, u' uniform in [-1, 1] per dimension)
 * Each chunk's text names its topic and sub-topic plus 30 words drawn log-uniformly from a
 * 20,000-word vocabulary (Zipf-like: a few words are in most chunks, most are rare), so BM25 and
 * hybrid search see a realistic spread of document frequencies.
 */
export const BENCH_EMBEDDER = 'bench-synthetic';
export const SUBTOPICS_PER_TOPIC = 20;

export interface SyntheticShape {
	chunks: number;
	/** 1536 for the search benchmark; 512 zero-padded for the offline embedder's chunks. */
	dimensions: number;
	embedder: string;
}

/** Inserts `shape.chunks` public chunks owned by `ownerId`, in batches; returns insert seconds (index build excluded). */
export async function insertSyntheticChunks(db: Database, ownerId: string, shape: SyntheticShape): Promise<{ insertSeconds: number; indexSeconds: number }> {
	const topics = Math.max(10, Math.round(shape.chunks / 2000));
	const subtopics = topics * SUBTOPICS_PER_TOPIC;
	const pad = 1536 - shape.dimensions;
	return db.withSession(async (session) => {
		// The vector indexes are rebuilt once after the load (as a bulk import would): HNSW inserts row
		// by row are ~10× slower. Their definitions are read from the catalog, so they are the migrations' own.
		const vectorIndexes = await session.query<{ name: string; definition: string }>(
			`select indexname as name, indexdef as definition from pg_indexes
			 where schemaname = 'public' and tablename = 'knowledge_base' and indexdef ilike '%using hnsw%'`
		);
		await session.exec(`
			${vectorIndexes.map((index) => `drop index if exists public.${index.name};`).join('\n')}
			drop table if exists bench_topics; drop table if exists bench_subtopics;
			create table bench_topics as
				select t as id, (select array_agg((random() * 2 - 1)::real) from generate_series(1, ${shape.dimensions}) where t >= 0) as v
				from generate_series(0, ${topics - 1}) t;
			create table bench_subtopics as
				select s as id, s / ${SUBTOPICS_PER_TOPIC} as topic,
				       (select array_agg(t.v[i] + 0.5 * (random() * 2 - 1)) from generate_series(1, ${shape.dimensions}) i) as v
				from generate_series(0, ${subtopics - 1}) s join bench_topics t on t.id = s / ${SUBTOPICS_PER_TOPIC};
		`);
		const started = performance.now();
		const batch = 5000;
		for (let from = 0; from < shape.chunks; from += batch) {
			const to = Math.min(shape.chunks, from + batch) - 1;
			await session.query(
				`insert into public.knowledge_base (title, content, embedding, embedder, embedding_dimensions, visibility, author_id)
				 select 'Synthetic chunk ' || g,
				        'topic' || s.topic || ' subtopic' || s.id || ' ' ||
				          (select string_agg('w' || floor(exp(random() * ln(20000)))::int, ' ') from generate_series(1, 30) where g >= 0),
				        ((select array_agg(s.v[i] + 0.25 * (random() * 2 - 1)) from generate_series(1, ${shape.dimensions}) i)
				          ${pad > 0 ? `|| array_fill(0::real, array[${pad}])` : ''})::public.vector,
				        $1, ${shape.dimensions}, 'public', $2::uuid
				 from generate_series(${from}, ${to}) g join bench_subtopics s on s.id = g % ${subtopics}`,
				[shape.embedder, ownerId]
			);
		}
		const inserted = performance.now();
		// Enough memory that the graphs are built in memory.
		await session.exec(`
			set maintenance_work_mem = '${db.engine === 'pglite' ? '1GB' : '2GB'}';
			${vectorIndexes.map((index) => `${index.definition};`).join('\n')}
			reset maintenance_work_mem;
			analyze public.knowledge_base;
			drop table bench_topics; drop table bench_subtopics;
		`);
		return { insertSeconds: (inserted - started) / 1000, indexSeconds: (performance.now() - inserted) / 1000 };
	});
}

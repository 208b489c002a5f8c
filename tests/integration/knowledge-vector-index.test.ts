import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser } from '../../src/lib/server/db/user-context';
import { vectorSearch } from '../../src/lib/server/knowledge/search.repo';
import { createUser, type TestUser } from '../support/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * 053: 512-d vectors (USE-lite, zero-padded in the 1536-d column) have an HNSW index of their own
 * width; every other width keeps the full-column index. knowledge_vector_search must use the index
 * of its embedder's width and return the same cosines as computing them over the padded vectors.
 */

let test: TestDatabase;
let reader: TestUser;

/** A deterministic unit vector of `width` dimensions, zero-padded to 1536. */
function vectorOf(seed: number, width: number): number[] {
	const values = Array.from({ length: 1536 }, (_, index) => (index < width ? Math.sin(seed * 12.9898 + index * 78.233) : 0));
	const norm = Math.hypot(...values);
	return values.map((value) => value / norm);
}

const literal = (vector: readonly number[]) => `[${vector.join(',')}]`;
const cosine = (a: readonly number[], b: readonly number[]) => a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0);

beforeAll(async () => {
	test = await createTestDatabase();
	const author = await createUser(test.db, 'author');
	reader = await createUser(test.db, 'reader');
	for (const [embedder, width] of [
		['use-lite', 512],
		['hashed', 1536]
	] as const) {
		for (let seed = 1; seed <= 40; seed++) {
			await test.db.prisma.$executeRaw`
				insert into public.knowledge_base (title, content, author_id, visibility, embedder, embedding_dimensions, embedding)
				values (${`${embedder} ${seed}`}, 'text', ${author.id}::uuid, 'public', ${embedder}, ${width}, ${literal(vectorOf(seed, width))}::vector)`;
		}
	}
	await test.db.prisma.$executeRawUnsafe('analyze public.knowledge_base');
});
afterAll(() => test.dispose());

/**
 * Runs one vector search with sorting off, as the planner would plan a large table (here 80 rows
 * make a sort cheaper than any graph); returns its results and which HNSW indexes it scanned.
 */
async function searchWithIndexes(embedder: string, query: number[]) {
	return asUser(test.db, reader.id, async (tx) => {
		await tx.$executeRawUnsafe('set local enable_sort = off');
		// Before and after: PostgreSQL 15 keeps counts of earlier transactions until it flushes them.
		const scans = async () => {
			const [row] = await tx.$queryRaw<{ wide: bigint; narrow: bigint }[]>`
				select pg_stat_get_xact_numscans('public.knowledge_base_embedding_idx'::regclass) as wide,
				       pg_stat_get_xact_numscans('public.knowledge_base_embedding_512_idx'::regclass) as narrow`;
			return { wide: Number(row?.wide ?? 0), narrow: Number(row?.narrow ?? 0) };
		};
		const before = await scans();
		const results = await vectorSearch(tx, query, embedder, 5, null);
		const after = await scans();
		return { results, wide: after.wide - before.wide, narrow: after.narrow - before.narrow };
	});
}

describe('vector search per width', () => {
	it('searches 512-d vectors through the 512-d index, with exact cosines', async () => {
		const query = vectorOf(7.5, 512);
		const { results, wide, narrow } = await searchWithIndexes('use-lite', query);
		expect(narrow).toBeGreaterThan(0);
		expect(wide).toBe(0);
		const titles = await test.db.prisma.knowledgeBaseEntry.findMany({ where: { id: { in: results.map((row) => row.id) } }, select: { id: true, title: true } });
		expect(titles.every((row) => row.title.startsWith('use-lite'))).toBe(true);
		const expected = Array.from({ length: 40 }, (_, index) => ({ seed: index + 1, similarity: cosine(query, vectorOf(index + 1, 512)) })).sort((a, b) => b.similarity - a.similarity);
		expect(results.map((row) => row.similarity ?? NaN)).toEqual(expected.slice(0, 5).map((row) => expect.closeTo(row.similarity, 5)));
	});

	it('searches full-width vectors through the full-column index', async () => {
		const query = vectorOf(3.25, 1536);
		const { results, wide, narrow } = await searchWithIndexes('hashed', query);
		expect(wide).toBeGreaterThan(0);
		expect(narrow).toBe(0);
		const expected = Array.from({ length: 40 }, (_, index) => cosine(query, vectorOf(index + 1, 1536))).sort((a, b) => b - a);
		expect(results.map((row) => row.similarity ?? NaN)).toEqual(expected.slice(0, 5).map((value) => expect.closeTo(value, 5)));
	});

	it('keeps each width in its own graph (partial indexes)', async () => {
		const predicates = await test.db.prisma.$queryRaw<{ indexname: string; indexdef: string }[]>`
			select indexname, indexdef from pg_indexes where schemaname = 'public' and indexname like 'knowledge_base_embedding%idx' order by indexname`;
		expect(predicates.map((row) => row.indexname)).toEqual(['knowledge_base_embedding_512_idx', 'knowledge_base_embedding_idx']);
		expect(predicates[0]?.indexdef).toMatch(/WHERE \(embedding_dimensions = 512\)/);
		expect(predicates[1]?.indexdef).toMatch(/WHERE \(embedding_dimensions IS DISTINCT FROM 512\)/);
	});
});

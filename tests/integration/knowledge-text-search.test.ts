import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, withAdminPowers } from '../../src/lib/server/db/user-context';
import type { UserTransaction } from '../../src/lib/server/db';
import { textSearch } from '../../src/lib/server/knowledge/search.repo';
import { createUser, type TestUser } from '../support/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * BM25 with MaxScore pruning (049) must return exactly what scoring every match returns: the
 * reference below is 044's exhaustive query. The corpus has Zipf-like word frequencies, so common
 * words hold most chunks and the pruning has something to skip.
 */

let test: TestDatabase;
let admin: TestUser;
let alice: TestUser;
let bob: TestUser;
let garden: string;

/** 044's knowledge_text_search: every visible chunk holding a query word, scored. */
function exhaustive(tx: UserTransaction, query: string, limit: number, categoryId: string | null) {
	return tx.$queryRaw<{ id: string; score: number }[]>`
		with terms as materialized (
			select coalesce(array_agg(distinct t.lexeme), '{}') as lexemes from unnest(to_tsvector('english'::regconfig, ${query})) as t
		),
		corpus as materialized (
			select coalesce(sum(c.chunks), 0)::float8 as n, coalesce(sum(c.total_length)::float8 / nullif(sum(c.chunks), 0), 1) as avgdl
			from public.knowledge_text_corpus as c
		),
		matches as materialized (
			select kb.id, kb.category_id, kb.search_length,
				ts_filter(setweight(setweight(kb.search_vector, 'D'), 'A', (select lexemes from terms)), '{a}') as hits
			from public.knowledge_base as kb
			where kb.search_vector @@ (select string_agg(public.lexeme_tsquery(l)::text, ' | ')::tsquery from unnest((select lexemes from terms)) as l)
		),
		tf as materialized (
			select m.id, m.category_id, m.search_length, t.lexeme, coalesce(array_length(t.positions, 1), 1)::float8 as count
			from matches as m cross join lateral unnest(m.hits) as t
		),
		frequencies as (select tf.lexeme, count(*)::float8 as df from tf group by tf.lexeme)
		select tf.id::text as id,
			sum(ln(1 + (corpus.n - f.df + 0.5) / (f.df + 0.5)) * (tf.count * 1.9) / (tf.count + 0.9 * (1 - 0.4 + 0.4 * tf.search_length / greatest(corpus.avgdl, 1)))) as score
		from tf join frequencies as f on f.lexeme = tf.lexeme cross join corpus
		where ${categoryId}::uuid is null or tf.category_id = ${categoryId}::uuid
		group by tf.id
		order by 2 desc, 1
		limit ${limit}`;
}

/** A deterministic generator (mulberry32), so the corpus is the same on every run. */
function random(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state + 0x6d2b79f5) | 0;
		let t = Math.imul(state ^ (state >>> 15), 1 | state);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const WORDS = Array.from({ length: 300 }, (_, index) => `plant${index}`);

beforeAll(async () => {
	test = await createTestDatabase();
	admin = await createUser(test.db, 'site-admin');
	alice = await createUser(test.db, 'alice');
	bob = await createUser(test.db, 'bob');
	garden = (await test.db.prisma.category.create({ data: { name: 'Garden' } })).id;
	const next = random(49);
	// Word i is drawn with probability ∝ 1/(i+1): plant0 is in most chunks, plant299 in a few.
	const weights = WORDS.map((_, index) => 1 / (index + 1));
	const total = weights.reduce((sum, weight) => sum + weight, 0);
	const draw = () => {
		let pick = next() * total;
		for (const [index, weight] of weights.entries()) {
			pick -= weight;
			if (pick <= 0) return WORDS[index] ?? 'plant0';
		}
		return 'plant0';
	};
	const authors = [alice, bob];
	await test.db.prisma.knowledgeBaseEntry.createMany({
		data: Array.from({ length: 600 }, (_, index) => ({
			authorId: authors[index % 2]?.id ?? alice.id,
			visibility: index % 3 === 0 ? 'public' : 'private',
			title: `Note ${index}`,
			content: Array.from({ length: 5 + Math.floor(next() * 60) }, draw).join(' '),
			categoryId: index % 4 === 0 ? garden : null
		}))
	});
});
afterAll(() => test.dispose());

const QUERIES = ['plant0 plant1 plant2', 'plant0 plant150', 'plant3 plant40 plant299 plant0', 'plant0', 'plant7 plant8 plant9 plant10 plant11 plant12', 'plant250 plant251', 'no such words'];

describe('BM25 with pruning', () => {
	it('returns the same chunks in the same order with the same scores as scoring every match, for each reader, limit and category', async () => {
		let compared = 0;
		for (const reader of [alice, bob, admin]) {
			for (const query of QUERIES) {
				for (const limit of [1, 6, 50]) {
					for (const categoryId of [null, garden]) {
						const [pruned, reference] = await asUser(test.db, reader.id, async (tx) => [await textSearch(tx, query, limit, categoryId), await exhaustive(tx, query, limit, categoryId)] as const);
						// Scores summed in another order may differ in the last bits, which can swap exact ties:
						// ids are compared where no tie (nor the cut at `limit`) leaves the order open.
						expect(pruned.map((row) => row.score)).toEqual(reference.map((row) => expect.closeTo(Number(row.score), 9)));
						const cut = Number(reference.at(-1)?.score ?? 0);
						const settled = (rows: readonly { id: string; score: number }[]) =>
							rows.filter((row) => Number(row.score) > cut + 1e-9 && rows.every((other) => other === row || Math.abs(Number(other.score) - Number(row.score)) > 1e-9)).map((row) => row.id);
						expect(settled(pruned)).toEqual(settled(reference));
						compared += reference.length;
					}
				}
			}
		}
		expect(compared).toBeGreaterThan(1000);
	});

	it('counts each term’s chunks as row level security shows them to the reader', async () => {
		const lexemes = ['plant0', 'plant5', 'plant120', 'plant299', 'absent'];
		const readers = [alice, bob, admin].map((user) => ({ user, run: asUser })).concat([{ user: admin, run: withAdminPowers }]);
		const plant0: bigint[] = [];
		for (const { user, run } of readers) {
			const [counted, visible] = await run(test.db, user.id, async (tx) => [
				await tx.$queryRaw<{ lexeme: string; df: bigint }[]>`select lexeme, df from public.knowledge_text_term_counts(${lexemes}::text[]) order by lexeme`,
				await tx.$queryRaw<{ lexeme: string; df: bigint }[]>`
					select l as lexeme, (select count(*) from public.knowledge_base where search_vector @@ public.lexeme_tsquery(l)) as df
					from unnest(${lexemes}::text[]) as l order by l`
			]);
			expect(counted).toEqual(visible);
			plant0.push(counted.find((row) => row.lexeme === 'plant0')?.df ?? 0n);
		}
		// Alice and Bob each see the published chunks and their own; an administrator's own search
		// sees the published ones only (040), and with admin powers every chunk.
		const [forAlice = 0n, forBob = 0n, forAdmin = 0n, withPowers = 0n] = plant0;
		expect(forAdmin).toBeGreaterThan(0n);
		expect(forAlice).toBeGreaterThan(forAdmin);
		expect(forBob).toBeGreaterThan(forAdmin);
		expect(withPowers).toBe(forAlice + forBob - forAdmin);
	});
});

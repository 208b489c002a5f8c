import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser } from '../../src/lib/server/db/user-context';
import { textSearch } from '../../src/lib/server/knowledge/search.repo';
import { createUser, type TestUser } from '../support/fixtures';
import { createTestDatabase, testEngine, type TestDatabase } from '../support/test-database';

/**
 * BM25's corpus statistics (043): kept by a trigger per reading scope, they must always equal a
 * recount of the chunks, and each searcher must get exactly the statistics of what they may read.
 */

let test: TestDatabase;
let alice: TestUser;
let bob: TestUser;
let category: string;

interface ScopeRow {
	scope: string;
	chunks: number;
	total_length: number;
}

async function kept(): Promise<ScopeRow[]> {
	const rows = await test.db.prisma.$queryRaw<ScopeRow[]>`select scope, chunks::int as chunks, total_length::int as total_length from public.knowledge_text_corpus order by scope`;
	return rows.map((row) => ({ ...row }));
}

async function recounted(): Promise<ScopeRow[]> {
	const rows = await test.db.prisma.$queryRaw<ScopeRow[]>`
		select public.knowledge_text_scope(visibility, author_id) as scope, count(*)::int as chunks, sum(search_length)::int as total_length
		from public.knowledge_base where search_vector is not null group by 1 order by 1`;
	return rows.map((row) => ({ ...row }));
}

function chunk(authorId: string, visibility: 'public' | 'private', content: string, categoryId: string | null = null) {
	return { authorId, visibility, title: 'Notes', content, categoryId };
}

beforeAll(async () => {
	test = await createTestDatabase({ poolSize: 12 });
	await createUser(test.db, 'site-admin');
	alice = await createUser(test.db, 'alice');
	bob = await createUser(test.db, 'bob');
	category = (await test.db.prisma.category.create({ data: { name: 'Garden' } })).id;
});
afterAll(() => test.dispose());

describe('BM25 corpus statistics', () => {
	it('equal a recount after inserts, publishing, edits and deletes; embedding updates write nothing', async () => {
		const baseline = await recounted();
		expect(await kept()).toEqual(baseline);

		await test.db.prisma.knowledgeBaseEntry.createMany({
			data: [
				chunk(alice.id, 'private', 'Tomatoes need full sun and deep watering.'),
				chunk(alice.id, 'private', 'Prune the roses in late winter, above an outward bud.'),
				chunk(bob.id, 'private', 'Bob keeps bees behind the shed.'),
				chunk(bob.id, 'public', 'The community garden opens at eight on Saturdays.')
			]
		});
		expect(await kept()).toEqual(await recounted());

		// Publishing moves chunks between scopes; an edit changes their length.
		await test.db.prisma.knowledgeBaseEntry.updateMany({ where: { authorId: alice.id, content: { startsWith: 'Prune' } }, data: { visibility: 'public' } });
		await test.db.prisma.knowledgeBaseEntry.updateMany({ where: { authorId: bob.id, visibility: 'private' }, data: { content: 'Bob keeps three hives of bees behind the old garden shed, and sells the honey.' } });
		expect(await kept()).toEqual(await recounted());

		// The embedding worker's writes change no statistic and so don't touch the rows at all
		// (they would otherwise queue every embedding batch behind the hot "public" row).
		const versions = () => test.db.prisma.$queryRaw<{ scope: string; version: string }[]>`select scope, xmin::text as version from public.knowledge_text_corpus order by scope`;
		const before = await versions();
		await test.db.prisma.$executeRaw`update public.knowledge_base set embedder = 'hashed', embedding_dimensions = 1536 where author_id = ${alice.id}::uuid`;
		expect(await versions()).toEqual(before);

		await test.db.prisma.knowledgeBaseEntry.deleteMany({ where: { authorId: bob.id } });
		expect(await kept()).toEqual(await recounted());
		// A scope with no chunks left has no row.
		expect((await kept()).map((row) => row.scope)).not.toContain(`private:${bob.id}`);
	});

	it('each searcher reads the statistics of exactly the chunks they may read', async () => {
		await test.db.prisma.knowledgeBaseEntry.createMany({ data: [chunk(bob.id, 'private', 'Bob’s secret compost recipe.'), chunk(alice.id, 'private', 'Alice’s seed list.')] });
		for (const user of [alice, bob]) {
			const [seen] = await asUser(test.db, user.id, (tx) =>
				tx.$queryRaw<{ stats: number; visible: number; length: number; visible_length: number }[]>`
					select (select sum(chunks)::int from public.knowledge_text_corpus) as stats,
					       (select count(*)::int from public.knowledge_base where search_vector is not null) as visible,
					       (select sum(total_length)::int from public.knowledge_text_corpus) as length,
					       (select sum(search_length)::int from public.knowledge_base where search_vector is not null) as visible_length`
			);
			expect(seen?.stats).toBe(seen?.visible);
			expect(seen?.length).toBe(seen?.visible_length);
		}
		const everything = (await recounted()).reduce((sum, row) => sum + row.chunks, 0);
		const forBob = await asUser(test.db, bob.id, (tx) => tx.$queryRaw<{ n: number }[]>`select sum(chunks)::int as n from public.knowledge_text_corpus`);
		expect(forBob[0]?.n).toBeLessThan(everything);
	});

	it('a category filter chooses which chunks come back, not how they score', async () => {
		await test.db.prisma.knowledgeBaseEntry.createMany({
			data: [
				chunk(alice.id, 'public', 'Mulch keeps the soil moist; mulch thickly around shrubs.', category),
				chunk(alice.id, 'public', 'Mulch made of bark lasts longer than straw.'),
				chunk(alice.id, 'public', 'Water early in the morning.', category)
			]
		});
		const all = await asUser(test.db, bob.id, (tx) => textSearch(tx, 'mulch soil', 10, null));
		const filtered = await asUser(test.db, bob.id, (tx) => textSearch(tx, 'mulch soil', 10, category));
		expect(all).toHaveLength(2);
		expect(filtered).toHaveLength(1);
		expect(filtered[0]?.score).toBeCloseTo(all.find((row) => row.id === filtered[0]?.id)?.score ?? NaN, 10);
	});

	it.runIf(testEngine === 'native')('stay exact under concurrent ingestion, publishing and deletes across scopes', async () => {
		const users = await Promise.all(Array.from({ length: 4 }, (_, index) => createUser(test.db, `writer${index}`)));
		const words = ['apple', 'pear', 'plum', 'quince', 'medlar', 'cherry'];
		const writes = Array.from({ length: 24 }, (_, index) => {
			const user = users[index % users.length];
			if (!user) throw new Error('no user');
			return test.db.prisma.$transaction(async (tx) => {
				// One document's chunks: one insert, as the ingestion worker writes them, mixing scopes.
				await tx.knowledgeBaseEntry.createMany({
					data: Array.from({ length: 15 }, (_, chunkIndex) => chunk(user.id, (index + chunkIndex) % 3 === 0 ? 'public' : 'private', `${words.slice(0, 1 + (chunkIndex % words.length)).join(' ')} orchard note ${index}-${chunkIndex}`))
				});
				if (index % 4 === 1) await tx.knowledgeBaseEntry.updateMany({ where: { authorId: user.id, visibility: 'private', content: { contains: 'plum' } }, data: { visibility: 'public' } });
				if (index % 4 === 3) await tx.knowledgeBaseEntry.deleteMany({ where: { authorId: user.id, content: { contains: 'quince' } } });
			});
		});
		const outcomes = await Promise.allSettled(writes);
		// Every transaction commits (the statistics rows are taken in one order, so none deadlocks).
		expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
		expect(await kept()).toEqual(await recounted());
	});
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser } from '../../src/lib/server/db/user-context';
import { matchKnowledgeBase, setKnowledgeEmbedding } from '../../src/lib/server/knowledge/knowledge-vector.repo';
import { createUser, unitVector, type TestUser } from '../support/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let test: TestDatabase;
let author: TestUser;
let reader: TestUser;
let recipes: string;
let manuals: string;

/** Entries at known angles from the query vector (angle 0): cosine similarity = cos(angle). */
const ENTRIES = [
	{ title: 'exact', angle: 0, category: 'manuals' },
	{ title: 'close', angle: 0.3, category: 'recipes' },
	{ title: 'related', angle: 0.9, category: 'manuals' },
	{ title: 'far', angle: 1.5, category: 'recipes' },
	{ title: 'opposite', angle: Math.PI, category: 'manuals' }
] as const;

beforeAll(async () => {
	test = await createTestDatabase();
	await createUser(test.db, 'site-admin'); // admins see private entries too; author and reader are regular users
	author = await createUser(test.db, 'author');
	reader = await createUser(test.db, 'reader');
	recipes = (await test.db.prisma.category.create({ data: { name: 'Recipes' } })).id;
	manuals = (await test.db.prisma.category.create({ data: { name: 'Manuals' } })).id;
	// Published entries: only admins (or the app) may publish, so the app writes them for the author.
	for (const entry of ENTRIES) {
		await test.db.prisma.$transaction(async (tx) => {
			const created = await tx.knowledgeBaseEntry.create({
				data: { authorId: author.id, title: entry.title, content: `${entry.title} content`, visibility: 'public', categoryId: entry.category === 'recipes' ? recipes : manuals }
			});
			expect(await setKnowledgeEmbedding(tx, created.id, unitVector(entry.angle))).toBe(true);
		});
	}
	// A private entry identical to the query: only its author may ever get it back.
	await asUser(test.db, author.id, async (tx) => {
		const secret = await tx.knowledgeBaseEntry.create({ data: { authorId: author.id, title: 'secret', content: 'private', visibility: 'private' } });
		await setKnowledgeEmbedding(tx, secret.id, unitVector(0.01));
	});
});
afterAll(() => test.dispose());

describe('match_knowledge_base', () => {
	it('returns the best matches first with cosine similarity', async () => {
		const matches = await asUser(test.db, reader.id, (tx) => matchKnowledgeBase(tx, { embedding: unitVector(0), threshold: -1.5, count: 10 }));
		expect(matches.map((match) => match.title)).toEqual(['exact', 'close', 'related', 'far', 'opposite']);
		for (const match of matches) {
			const angle = ENTRIES.find((entry) => entry.title === match.title)?.angle ?? NaN;
			expect(match.similarity).toBeCloseTo(Math.cos(angle), 5);
		}
	});

	it('honours the threshold and the count', async () => {
		const aboveHalf = await asUser(test.db, reader.id, (tx) => matchKnowledgeBase(tx, { embedding: unitVector(0), threshold: 0.5, count: 10 }));
		expect(aboveHalf.map((match) => match.title)).toEqual(['exact', 'close', 'related']);
		const topTwo = await asUser(test.db, reader.id, (tx) => matchKnowledgeBase(tx, { embedding: unitVector(0), threshold: -1.5, count: 2 }));
		expect(topTwo.map((match) => match.title)).toEqual(['exact', 'close']);
	});

	it('filters by category', async () => {
		const onlyRecipes = await asUser(test.db, reader.id, (tx) => matchKnowledgeBase(tx, { embedding: unitVector(0), threshold: -1.5, count: 10, categoryId: recipes }));
		expect(onlyRecipes.map((match) => match.title)).toEqual(['close', 'far']);
		expect(onlyRecipes.every((match) => match.categoryId === recipes)).toBe(true);
	});

	it('applies row level security: private entries reach only their author', async () => {
		const forReader = await asUser(test.db, reader.id, (tx) => matchKnowledgeBase(tx, { embedding: unitVector(0), threshold: 0.9, count: 10 }));
		expect(forReader.map((match) => match.title)).not.toContain('secret');
		const forAuthor = await asUser(test.db, author.id, (tx) => matchKnowledgeBase(tx, { embedding: unitVector(0), threshold: 0.9, count: 10 }));
		expect(forAuthor.map((match) => match.title)).toEqual(['exact', 'secret', 'close']);
	});

	it('rejects embeddings of the wrong size before they reach SQL', async () => {
		await expect(asUser(test.db, reader.id, (tx) => matchKnowledgeBase(tx, { embedding: [1, 0, 0], threshold: 0, count: 1 }))).rejects.toThrow(/1536 dimensions/);
	});

	it('is served by the HNSW index on a large enough table', async () => {
		const plan = await test.db.prisma.$transaction(async (tx) => {
			await tx.$executeRawUnsafe('set local enable_seqscan = off');
			return tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
				`explain select id from public.knowledge_base where embedding_dimensions is distinct from 512 order by embedding <=> (select embedding from public.knowledge_base where title = 'exact') limit 3`
			);
		});
		expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/knowledge_base_embedding_\w*idx|hnsw/i);
	});
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { activeEmbedderOf, followEmbedderChanges } from '../../src/lib/server/knowledge/active-embedder';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** The active embedder kept in memory (050): dropped when the database announces a change. */

let test: TestDatabase;

beforeAll(async () => {
	test = await createTestDatabase();
});
afterAll(() => test.dispose());

async function makeActive(name: string): Promise<void> {
	await test.db.prisma.$transaction([
		test.db.prisma.knowledgeEmbedder.updateMany({ where: { state: 'active' }, data: { state: 'inactive' } }),
		test.db.prisma.knowledgeEmbedder.update({ where: { name }, data: { state: 'active' } })
	]);
}

describe('the active embedder', () => {
	it('is read every time while nobody follows the announcements', async () => {
		const first = await activeEmbedderOf(test.db);
		expect(await activeEmbedderOf(test.db)).not.toBe(first);
		expect((await activeEmbedderOf(test.db)).embedder.name).toBe(first.embedder.name);
	});

	it('is kept while followed, and read again after an embedder or its model changes (in SQL, as another process would)', async () => {
		const stop = await followEmbedderChanges(test.db);
		const original = (await activeEmbedderOf(test.db)).embedder.name;
		const other = original === 'hashed' ? 'use-lite' : 'hashed';
		const otherWeight = (await test.db.prisma.knowledgeEmbedder.findUniqueOrThrow({ where: { name: other } })).vectorWeight;
		try {
			const kept = await activeEmbedderOf(test.db);
			expect(await activeEmbedderOf(test.db)).toBe(kept);

			await makeActive(other);
			await vi.waitFor(async () => expect((await activeEmbedderOf(test.db)).embedder.name).toBe(other), { timeout: 5_000, interval: 20 });

			await test.db.prisma.knowledgeEmbedder.update({ where: { name: other }, data: { vectorWeight: 0.25 } });
			await vi.waitFor(async () => expect((await activeEmbedderOf(test.db)).embedder.vectorWeight).toBe(0.25), { timeout: 5_000, interval: 20 });

			// A model configuration change is announced too (an embedder may name one).
			const settled = await activeEmbedderOf(test.db);
			await test.db.prisma.modelConfiguration.updateMany({ where: { modelName: 'gpt-4o-mini' }, data: { displayName: 'GPT-4o mini (renamed)' } });
			await vi.waitFor(async () => expect(await activeEmbedderOf(test.db)).not.toBe(settled), { timeout: 5_000, interval: 20 });
		} finally {
			await stop();
			await makeActive(original);
			await test.db.prisma.knowledgeEmbedder.update({ where: { name: other }, data: { vectorWeight: otherWeight } });
		}
		// Stopped following: read every time again.
		const after = await activeEmbedderOf(test.db);
		expect(await activeEmbedderOf(test.db)).not.toBe(after);
	});
});

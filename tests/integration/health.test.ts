import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/lib/server/db/migrations';
import { openDatabase } from '../../src/lib/server/db/client';
import { startDatabase } from '../../src/lib/server/db';
import { checkHealth } from '../../src/lib/server/health/health.service';
import { createInnerContext } from '../../src/lib/server/trpc/context';
import { createCaller } from '../../src/lib/server/trpc/router';
import { createTestDatabase, testEngine, type TestDatabase } from '../support/test-database';

let test: TestDatabase;
beforeAll(async () => {
	test = await createTestDatabase();
	await migrate(test.db); // records the ledger in the copied template, as a server start would
});
afterAll(() => test.dispose());

describe('health', () => {
	it('health.check reports the engine, round trip and every applied migration', async () => {
		const caller = createCaller(createInnerContext({ db: test.db }));
		const report = await caller.health.check();
		expect(report.status).toBe('ok');
		expect(report.engine).toBe(testEngine === 'native' ? 'postgres' : 'pglite');
		expect(report.database.roundTripMs).toBeGreaterThanOrEqual(0);
		expect(report.migrations.map((migration) => migration.name)).toEqual((await loadMigrations()).map((file) => file.name));
		expect(report.migrations.map((migration) => migration.name).slice(0, 4)).toEqual([
			'001_initial_setup.sql',
			'002_knowledge_base.sql',
			'003_analytics_enhancement.sql',
			'004_fix_messages_and_types.sql'
		]);
	});

	it('health.ticks yields the requested number of ticks, in order, spaced by the interval', async () => {
		const caller = createCaller(createInnerContext({ db: test.db }));
		const ticks: { n: number; sentAt: number }[] = [];
		for await (const tick of await caller.health.ticks({ count: 3, intervalMs: 20 })) ticks.push(tick);
		expect(ticks.map((tick) => tick.n)).toEqual([1, 2, 3]);
		expect((ticks[2]?.sentAt ?? 0) - (ticks[0]?.sentAt ?? 0)).toBeGreaterThanOrEqual(35);
	});

	it('health.ticks rejects out-of-range input with field errors', async () => {
		const caller = createCaller(createInnerContext({ db: test.db }));
		await expect(caller.health.ticks({ count: 0, intervalMs: 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
	});

	it('reports an unreachable database as unavailable instead of throwing', async () => {
		const report = await checkHealth(() => openDatabase({ engine: 'postgres', url: 'postgres://nobody:pw@127.0.0.1:9/none' }));
		expect(report).toMatchObject({ status: 'unavailable', engine: null, database: { reachable: false } });
		expect(report.database.error).toMatch(/Cannot connect to the PostgreSQL server in DATABASE_URL \(postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:9\/none\)/);
	});

	it('reports a database that went away after start as unavailable', async () => {
		const gone = await createTestDatabase();
		await gone.dispose();
		const report = await checkHealth(async () => gone.db);
		expect(report.status).toBe('unavailable');
		expect(report.engine).toBe(gone.db.engine);
	});
});

describe.runIf(testEngine === 'native')('server requirements', () => {
	it('refuses a database without pgvector, saying how to enable it', async () => {
		const url = new URL(process.env.TEST_NATIVE_DATABASE_URL ?? '');
		url.pathname = '/airassist_novector';
		const start = startDatabase({ engine: 'postgres', url: url.toString() });
		await expect(start).rejects.toMatchObject({ code: 'DATABASE_UNSUPPORTED' });
		await expect(startDatabase({ engine: 'postgres', url: url.toString() })).rejects.toThrow(/Ask a superuser to run: create extension vector;/);
	});
});

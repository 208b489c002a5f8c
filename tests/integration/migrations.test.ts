import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/lib/server/db/client';
import { AppError } from '../../src/lib/server/errors';
import { checksumOf, listAppliedMigrations, loadMigrations, migrate, runMigrationFile, type MigrationFile } from '../../src/lib/server/db/migrations';
import { snapshotCatalog } from '../support/catalog';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const SEED_FILES = ['001_initial_setup.sql', '002_knowledge_base.sql', '003_analytics_enhancement.sql', '004_fix_messages_and_types.sql'];

let current: TestDatabase | undefined;
afterEach(async () => {
	await current?.dispose();
	current = undefined;
});

async function emptyDatabase(): Promise<TestDatabase> {
	current = await createTestDatabase({ empty: true });
	return current;
}

function file(name: string, sql: string): MigrationFile {
	return { name, sql, checksum: checksumOf(sql) };
}

describe('migration files', () => {
	it('start with the four seed migrations, in order', async () => {
		const names = (await loadMigrations()).map((migration) => migration.name);
		expect(names.slice(0, 4)).toEqual(SEED_FILES);
	});

	it('apply to an empty database, then re-apply on top of themselves leaving the same catalog', async () => {
		const { db } = await emptyDatabase();
		const files = await loadMigrations();
		const { first, second } = await db.withSession(async (session) => {
			for (const migration of files) await runMigrationFile(session, migration);
			const first = await snapshotCatalog(session);
			for (const migration of files) await runMigrationFile(session, migration);
			return { first, second: await snapshotCatalog(session) };
		});
		expect(first.columns.length).toBeGreaterThan(100);
		expect(second).toEqual(first);
	});
});

describe('migrate()', () => {
	it('applies pending files once, recording name and checksum', async () => {
		const { db } = await emptyDatabase();
		const files = await loadMigrations();
		const report = await migrate(db, files);
		expect(report.applied.map((applied) => applied.name)).toEqual(files.map((migration) => migration.name));
		const ledger = await db.withSession(listAppliedMigrations);
		expect(ledger.map(({ name, checksum }) => ({ name, checksum }))).toEqual(files.map(({ name, checksum }) => ({ name, checksum })));

		const again = await migrate(db, files);
		expect(again.applied).toEqual([]);
		expect(again.alreadyApplied).toBe(files.length);
	});

	it('refuses to run when an applied file was changed, naming the file', async () => {
		const { db } = await emptyDatabase();
		await migrate(db, [file('001_a.sql', 'create table t_a (id int);')]);
		const changed = migrate(db, [file('001_a.sql', 'create table t_a (id bigint);')]);
		await expect(changed).rejects.toThrow(/001_a\.sql was changed after it was applied/);
		await expect(changed).rejects.toMatchObject({ code: 'MIGRATION_TAMPERED' });
	});

	it('rolls a failing file back completely and names it', async () => {
		const { db } = await emptyDatabase();
		const broken = migrate(db, [
			file('001_ok.sql', 'create table t_ok (id int);'),
			file('002_broken.sql', 'create table t_half (id int);\nselect * from no_such_table;')
		]);
		await expect(broken).rejects.toThrow(/002_broken\.sql failed and was rolled back: .*no_such_table/);
		const state = await db.withSession((session) =>
			session.query<{ ok: string | null; half: string | null }>(`select to_regclass('t_ok')::text as ok, to_regclass('t_half')::text as half`)
		);
		expect(state[0]).toEqual({ ok: 't_ok', half: null });
		expect((await db.withSession(listAppliedMigrations)).map((row) => row.name)).toEqual(['001_ok.sql']);
	});

	it('serialises concurrent starters: every file runs exactly once', async () => {
		const test = await emptyDatabase();
		// On the native server each starter is its own process-like pool; on PGlite they share the instance.
		const others: Database[] = test.url ? await Promise.all([1, 2].map(() => openDatabase({ engine: 'postgres', url: test.url ?? '' }, { poolSize: 2 }))) : [];
		try {
			const counter = file('001_counter.sql', 'create table if not exists runs (n int); insert into runs values (1);');
			const starters = [test.db, ...others, test.db];
			const reports = await Promise.all(starters.map((db) => migrate(db, [counter])));
			expect(reports.reduce((sum, report) => sum + report.applied.length, 0)).toBe(1);
			const runs = await test.db.withSession((session) => session.query<{ n: number }>('select count(*)::int as n from runs'));
			expect(runs[0]?.n).toBe(1);
		} finally {
			await Promise.all(others.map((db) => db.close()));
		}
	});

	it('reports unreadable migration folders clearly', async () => {
		await expect(loadMigrations('/nonexistent/migrations')).rejects.toBeInstanceOf(AppError);
		await expect(loadMigrations('/nonexistent/migrations')).rejects.toThrow(/Cannot read the migrations folder/);
	});
});

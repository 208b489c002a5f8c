import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/lib/server/db/client';
import { migrate } from '../../src/lib/server/db/migrations';
import { createUser, type TestUser } from '../support/fixtures';
import { testEngine } from '../support/test-database';

const run = promisify(execFile);

/** `npm run admin` against an embedded data directory, as an operator would use it for recovery. */
describe.runIf(testEngine === 'pglite')('npm run admin', () => {
	let dir: string;
	let url: string;
	let db: Database | null = null;
	let someone: TestUser;

	const admin = (...args: string[]) =>
		run(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/admin.ts', ...args], { env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' } }).then(
			({ stdout }) => ({ code: 0, output: stdout }),
			(error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr })
		);
	const roleOf = async (user: TestUser) => {
		const database = await openDatabase({ engine: 'pglite', dataDir: path.join(dir, 'db') });
		try {
			return (await database.prisma.profile.findUniqueOrThrow({ where: { id: user.id } })).role;
		} finally {
			await database.close();
		}
	};

	beforeAll(async () => {
		dir = await mkdtemp(path.join(os.tmpdir(), 'airassist-admin-'));
		url = `pglite:${path.join(dir, 'db')}`;
		db = await openDatabase({ engine: 'pglite', dataDir: path.join(dir, 'db') });
		await migrate(db);
		await createUser(db, 'owner');
		someone = await createUser(db, 'someone');
		await db.close();
		db = null;
	});
	afterAll(async () => {
		await db?.close();
		await rm(dir, { recursive: true, force: true });
	});

	it('promotes and demotes by email, case-insensitively', async () => {
		expect(await roleOf(someone)).toBe('user');
		const promoted = await admin('promote', someone.email.toUpperCase());
		expect(promoted).toMatchObject({ code: 0, output: expect.stringContaining('is now an administrator') });
		expect(await roleOf(someone)).toBe('admin');
		expect((await admin('list')).output).toContain(someone.email);
		await admin('demote', someone.email);
		expect(await roleOf(someone)).toBe('user');
	});

	it('refuses to demote the last administrator, saying why', async () => {
		const owner = (await admin('list')).output.trim().split(/\s+/)[0] ?? '';
		const refused = await admin('demote', owner);
		expect(refused).toMatchObject({ code: 1, output: expect.stringContaining('is the last administrator') });
	});

	it('explains unknown emails and bad usage', async () => {
		expect(await admin('promote', 'nobody@example.test')).toMatchObject({ code: 1, output: expect.stringContaining('No account with the email nobody@example.test') });
		expect(await admin('elevate')).toMatchObject({ code: 2, output: expect.stringContaining('usage: npm run admin') });
	});
});

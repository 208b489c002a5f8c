import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followModelCatalog } from '../../src/lib/server/chat/model-catalog-events';
import { chatModelOptions, forgetAllowedModels } from '../../src/lib/server/chat/models.service';
import { asUser } from '../../src/lib/server/db';
import { signedUpCaller } from '../support/callers';
import { createTestDatabase, testEngine, type TestDatabase } from '../support/test-database';

/**
 * Users' model pickers follow admin changes in every app process, within seconds, without a
 * restart: each process caches model lists for a minute and drops them when the database
 * announces a change (025's NOTIFY, heard by followModelCatalog).
 */

let test: TestDatabase;
type Member = Awaited<ReturnType<typeof signedUpCaller>>;
let admin: Member;
let member: Member;

beforeAll(async () => {
	test = await createTestDatabase();
	admin = await signedUpCaller(test.db, 'sync-admin');
	member = await signedUpCaller(test.db, 'sync-member');
});
afterAll(() => test.dispose());

const pickerHere = async (userId: string) => (await asUser(test.db, userId, (tx) => chatModelOptions(tx, userId))).models.map((model) => model.modelName);

describe.runIf(testEngine === 'native')('two app processes on one PostgreSQL server', () => {
	let child: ChildProcessWithoutNullStreams;
	let lines: Interface;
	let replies: AsyncIterator<string>;

	beforeAll(async () => {
		child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'tests/support/model-picker-process.ts'], {
			env: { ...process.env, DATABASE_URL: test.url ?? '', LOG_LEVEL: 'silent' }
		});
		lines = createInterface({ input: child.stdout });
		replies = lines[Symbol.asyncIterator]();
		const first = await replies.next();
		expect(first.value).toBe('ready');
	}, 60_000);
	afterAll(() => {
		lines?.close();
		child?.kill();
	});

	async function pickerThere(userId: string): Promise<string[]> {
		child.stdin.write(`${userId}\n`);
		const reply = await replies.next();
		const parsed: unknown = JSON.parse(String(reply.value));
		return Array.isArray(parsed) ? parsed.map(String) : [];
	}

	it('a model disabled in one process disappears from a user’s picker in the other within 5 s', async () => {
		// The other process has the list cached (for up to a minute, without notifications).
		expect(await pickerThere(member.user.id)).toContain('gpt-4.1-mini');
		expect(await pickerThere(member.user.id)).toContain('gpt-4.1-mini');
		const model = await test.db.prisma.modelConfiguration.findUniqueOrThrow({ where: { modelName: 'gpt-4.1-mini' } });
		const disabledAt = Date.now();
		await admin.caller.admin.models.update({ id: model.id, isActive: false });
		let names = await pickerThere(member.user.id);
		while (names.includes('gpt-4.1-mini') && Date.now() - disabledAt < 5_000) {
			await new Promise((resolve) => setTimeout(resolve, 50));
			names = await pickerThere(member.user.id);
		}
		expect(names).not.toContain('gpt-4.1-mini');
		expect(Date.now() - disabledAt).toBeLessThan(5_000);
		expect(names).toContain('gpt-4o-mini');

		// And a tier change for one user reaches the other process too.
		expect(await pickerThere(member.user.id)).not.toContain('gpt-5');
		await admin.caller.admin.users.update({ id: member.user.id, tier: 'pro' });
		const movedAt = Date.now();
		let after = await pickerThere(member.user.id);
		while (!after.includes('gpt-5') && Date.now() - movedAt < 5_000) {
			await new Promise((resolve) => setTimeout(resolve, 50));
			after = await pickerThere(member.user.id);
		}
		expect(after).toContain('gpt-5');
		await admin.caller.admin.models.update({ id: model.id, isActive: true });
		await admin.caller.admin.users.update({ id: member.user.id, tier: 'free' });
	});
});

describe('one process following the database’s announcements', () => {
	it('forgets a cached list when a model changes in SQL, outside the admin console', async () => {
		forgetAllowedModels();
		const stop = await followModelCatalog(test.db);
		try {
			expect(await pickerHere(member.user.id)).toContain('gpt-5-mini');
			// Not through the admin service (which also forgets locally): only the notification can tell this process.
			await test.db.prisma.modelConfiguration.update({ where: { modelName: 'gpt-5-mini' }, data: { allowedTiers: ['enterprise'] } });
			let names = await pickerHere(member.user.id);
			const changedAt = Date.now();
			while (names.includes('gpt-5-mini') && Date.now() - changedAt < 5_000) {
				await new Promise((resolve) => setTimeout(resolve, 50));
				names = await pickerHere(member.user.id);
			}
			expect(names).not.toContain('gpt-5-mini');
		} finally {
			await stop();
			await test.db.prisma.modelConfiguration.update({ where: { modelName: 'gpt-5-mini' }, data: { allowedTiers: ['free', 'basic', 'pro', 'enterprise'] } });
			forgetAllowedModels();
		}
	});
});

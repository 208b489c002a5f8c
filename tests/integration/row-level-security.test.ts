import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAnonymous, asUser, type UserTransaction, withAdminPowers } from '../../src/lib/server/db/user-context';
import { createUser, type TestUser } from '../support/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Every user-owned table and the column that names its owner. */
const USER_OWNED = [
	{ table: 'public.profiles', owner: 'id', update: `display_name = 'hijacked'` },
	{ table: 'public.user_settings', owner: 'user_id', update: `system_prompt = 'hijacked'` },
	{ table: 'public.chat_sessions', owner: 'user_id', update: `title = 'hijacked'` },
	{ table: 'public.messages', owner: 'user_id', update: `content = 'hijacked'` },
	{ table: 'public.knowledge_base', owner: 'author_id', update: `title = 'hijacked'` },
	{ table: 'public.analytics_events', owner: 'user_id', update: `event_type = 'hijacked'` },
	{ table: 'public.api_usage_logs', owner: 'user_id', update: `model = 'hijacked'` },
	{ table: 'public.rate_limits', owner: 'user_id', update: `count = 999` },
	{ table: 'public.usage_analytics', owner: 'user_id', update: `model = 'hijacked'` }
] as const;

let test: TestDatabase;
let alice: TestUser;
let bob: TestUser;

async function seedRowsFor(user: TestUser): Promise<void> {
	const prisma = test.db.prisma;
	const chat = await prisma.chatSession.create({ data: { userId: user.id, title: `${user.email}'s chat` } });
	await prisma.message.create({ data: { sessionId: chat.id, userId: user.id, role: 'user', content: 'private words' } });
	await prisma.knowledgeBaseEntry.create({ data: { authorId: user.id, title: 'My notes', content: 'secret', visibility: 'private' } });
	await prisma.analyticsEvent.create({ data: { userId: user.id, eventType: 'page_view' } });
	await prisma.apiUsageLog.create({ data: { userId: user.id, endpoint: 'chat', provider: 'openai', model: 'gpt-4o-mini', promptTokens: 10 } });
	await prisma.rateLimit.create({ data: { userId: user.id, limitType: 'requests_per_minute', windowStart: new Date(), windowSeconds: 60, count: 1 } });
	await prisma.usageAnalytics.create({ data: { userId: user.id, model: 'gpt-4o-mini', requestCount: 1 } });
}

const owners = (tx: UserTransaction, table: string, owner: string) =>
	// Deliberately unfiltered: only row level security stands between the caller and other people's rows.
	tx.$queryRawUnsafe<{ owner: string }[]>(`select ${owner}::text as owner from ${table}`);

beforeAll(async () => {
	test = await createTestDatabase();
	await createUser(test.db, 'site-admin'); // the first account becomes admin (005); alice and bob are regular users
	alice = await createUser(test.db, 'alice');
	bob = await createUser(test.db, 'bob');
	await seedRowsFor(alice);
	await seedRowsFor(bob);
});
afterAll(() => test.dispose());

describe('row level security through asUser()', () => {
	it.each(USER_OWNED)('$table: an unfiltered select returns only the caller’s rows', async ({ table, owner }) => {
		const seen = await asUser(test.db, bob.id, (tx) => owners(tx, table, owner));
		expect(seen.length).toBeGreaterThan(0);
		expect(new Set(seen.map((row) => row.owner))).toEqual(new Set([bob.id]));
		// …and Alice's rows are really there: the owner role (no RLS) sees them.
		const all = await test.db.prisma.$queryRawUnsafe<{ owner: string }[]>(`select ${owner}::text as owner from ${table}`);
		expect(all.map((row) => row.owner)).toContain(alice.id);
	});

	it.each(USER_OWNED)('$table: another user’s rows cannot be updated or deleted', async ({ table, owner, update }) => {
		const changed = await asUser(test.db, bob.id, async (tx) => {
			const updated = await tx.$executeRawUnsafe(`update ${table} set ${update} where ${owner} = $1::uuid`, alice.id).catch(() => 0);
			const deleted = await tx.$executeRawUnsafe(`delete from ${table} where ${owner} = $1::uuid`, alice.id).catch(() => 0);
			return updated + deleted;
		});
		expect(changed).toBe(0);
		const aliceRows = await test.db.prisma.$queryRawUnsafe<{ n: number }[]>(`select count(*)::int as n from ${table} where ${owner} = $1::uuid and (${update}) is not true`, alice.id);
		expect(aliceRows[0]?.n).toBeGreaterThan(0);
	});

	it.each(USER_OWNED)('$table: an anonymous context sees nothing', async ({ table, owner }) => {
		const seen = await asAnonymous(test.db, (tx) => owners(tx, table, owner)).catch((error: unknown) => {
			expect(String(error)).toMatch(/permission denied/);
			return [];
		});
		expect(seen).toEqual([]);
	});

	it('auth.users and the throttle log are closed to request roles; sessions and tokens show only the caller’s', async () => {
		await expect(asUser(test.db, bob.id, (tx) => tx.$queryRawUnsafe('select * from auth.users'))).rejects.toThrow(/permission denied/);
		await expect(asUser(test.db, bob.id, (tx) => tx.$queryRawUnsafe('select * from auth.throttle_events'))).rejects.toThrow(/permission denied/);
		for (const user of [alice, bob]) {
			await test.db.prisma.session.create({ data: { id: randomBytes(32).toString('hex'), userId: user.id, expiresAt: new Date(Date.now() + 60_000) } });
			await test.db.prisma.apiToken.create({ data: { userId: user.id, name: 't', tokenHash: randomBytes(32).toString('hex'), tokenPrefix: 'aa_x' } });
		}
		for (const table of ['auth.sessions', 'auth.api_tokens']) {
			const seen = await asUser(test.db, bob.id, (tx) => owners(tx, table, 'user_id'));
			expect(new Set(seen.map((row) => row.owner))).toEqual(new Set([bob.id]));
			expect(await asUser(test.db, bob.id, (tx) => tx.$executeRawUnsafe(`delete from ${table} where user_id = $1::uuid`, alice.id))).toBe(0);
		}
	});

	it('a user cannot write rows in someone else’s name', async () => {
		const aliceChat = await test.db.prisma.chatSession.findFirstOrThrow({ where: { userId: alice.id } });
		await expect(asUser(test.db, bob.id, (tx) => tx.chatSession.create({ data: { userId: alice.id, title: 'forged' } }))).rejects.toThrow();
		// Bob naming himself in Alice's chat: the composite key (session_id, user_id) refuses it.
		await expect(test.db.prisma.message.create({ data: { sessionId: aliceChat.id, userId: bob.id, role: 'user', content: 'x' } })).rejects.toThrow();
		await expect(asUser(test.db, bob.id, (tx) => tx.message.create({ data: { sessionId: aliceChat.id, userId: bob.id, role: 'user', content: 'x' } }))).rejects.toThrow();
	});

	it('users cannot raise their own tier or role, admins can', async () => {
		await expect(asUser(test.db, bob.id, (tx) => tx.profile.update({ where: { id: bob.id }, data: { tier: 'pro' } }))).rejects.toThrow();
		await expect(asUser(test.db, bob.id, (tx) => tx.profile.update({ where: { id: bob.id }, data: { role: 'admin' } }))).rejects.toThrow();
		const renamed = await asUser(test.db, bob.id, (tx) => tx.profile.update({ where: { id: bob.id }, data: { displayName: 'Robert' } }));
		expect(renamed.displayName).toBe('Robert');

		const admin = await createUser(test.db, 'admin');
		await test.db.prisma.profile.update({ where: { id: admin.id }, data: { role: 'admin' } });
		await withAdminPowers(test.db, admin.id, (tx) => tx.profile.update({ where: { id: bob.id }, data: { tier: 'pro' } }));
		expect((await test.db.prisma.profile.findUniqueOrThrow({ where: { id: bob.id } })).tier).toBe('pro');
		// Admin policies are checked in SQL (is_admin()), not only in the app.
		const adminSees = await withAdminPowers(test.db, admin.id, (tx) => tx.chatSession.count());
		expect(adminSees).toBeGreaterThanOrEqual(2);
		// withAdminPowers grants nothing to someone who is not an administrator.
		await expect(withAdminPowers(test.db, bob.id, (tx) => tx.profile.update({ where: { id: bob.id }, data: { tier: 'enterprise' } }))).rejects.toThrow();
		expect(await withAdminPowers(test.db, bob.id, (tx) => tx.chatSession.count({ where: { userId: { not: bob.id } } }))).toBe(0);
	});

	it("outside withAdminPowers an administrator is an ordinary user: no one else's chats, messages or profile (issue 7)", async () => {
		const admin = await createUser(test.db, 'admin-as-user');
		await test.db.prisma.profile.update({ where: { id: admin.id }, data: { role: 'admin' } });
		const seen = await asUser(test.db, admin.id, async (tx) => ({
			chats: await tx.chatSession.count({ where: { userId: { not: admin.id } } }),
			messages: await tx.message.count({ where: { userId: { not: admin.id } } }),
			profiles: await tx.profile.count({ where: { id: { not: admin.id } } })
		}));
		expect(seen).toEqual({ chats: 0, messages: 0, profiles: 0 });
		await expect(asUser(test.db, admin.id, (tx) => tx.profile.update({ where: { id: bob.id }, data: { tier: 'enterprise' } }))).rejects.toThrow();
		// Nor can they raise their own tier outside withAdminPowers: the privilege trigger asks is_admin() too.
		await expect(asUser(test.db, admin.id, (tx) => tx.profile.update({ where: { id: admin.id }, data: { tier: 'enterprise' } }))).rejects.toThrow();
	});

	it('public knowledge is readable by every signed-in user, private knowledge only by its author', async () => {
		await test.db.prisma.knowledgeBaseEntry.create({ data: { authorId: alice.id, title: 'Handbook', content: 'shared', visibility: 'public' } });
		const titles = await asUser(test.db, bob.id, (tx) => tx.knowledgeBaseEntry.findMany({ select: { title: true, authorId: true } }));
		expect(titles).toContainEqual({ title: 'Handbook', authorId: alice.id });
		expect(titles.filter((entry) => entry.authorId === alice.id)).toHaveLength(1);
	});

	it('identity does not leak out of the transaction', async () => {
		await asUser(test.db, bob.id, (tx) => tx.chatSession.count());
		const after = await test.db.prisma.$queryRaw<{ uid: string | null; role: string }[]>`select auth.uid()::text as uid, current_user as role`;
		expect(after[0]?.uid).toBeNull();
		expect(after[0]?.role).not.toBe('authenticated');
	});
});

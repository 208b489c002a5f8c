import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVALID_CREDENTIALS } from '../../src/lib/server/auth/auth.service';
import { hashToken } from '../../src/lib/server/auth/tokens';
import { validateApiToken } from '../../src/lib/server/auth/api-token.service';
import { validateSessionToken, SESSION_TTL_MS } from '../../src/lib/server/auth/session.service';
import { createCallerFactory, router } from '../../src/lib/server/trpc/init';
import { createInnerContext } from '../../src/lib/server/trpc/context';
import { adminProcedure } from '../../src/lib/server/trpc/procedures';
import { anonymousCaller, callerAs, callerForToken, signedUpCaller, TestCookieJar } from '../support/callers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let test: TestDatabase;
beforeAll(async () => {
	test = await createTestDatabase();
});
afterAll(() => test.dispose());

describe('sign-up', () => {
	it('makes the first account on an empty database an admin, later ones regular free-tier users', async () => {
		const first = await signedUpCaller(test.db, 'first');
		const second = await signedUpCaller(test.db, 'second');
		expect(first.user).toMatchObject({ role: 'admin', tier: 'free', displayName: 'first' });
		expect(second.user).toMatchObject({ role: 'user', tier: 'free' });
		expect(await second.caller.auth.me()).toMatchObject({ id: second.user.id, email: second.email });
	});

	it('stores only a SHA-256 of the session token and an argon2id hash of the password', async () => {
		const { user, token, password } = await signedUpCaller(test.db, 'hashes');
		const sessions = await test.db.prisma.session.findMany({ where: { userId: user.id } });
		expect(sessions.map((session) => session.id)).toEqual([hashToken(token)]);
		const dump = JSON.stringify(await test.db.prisma.$queryRawUnsafe('select row_to_json(s)::text from auth.sessions s'));
		expect(dump).not.toContain(token);
		const stored = await test.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
		expect(stored.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
		expect(stored.passwordHash).not.toContain(password);
		expect(token.length).toBeGreaterThanOrEqual(32); // 20 random bytes in base32
	});

	it('refuses a second account with the same email in any letter case', async () => {
		const { email } = await signedUpCaller(test.db, 'dupe');
		await expect(anonymousCaller(test.db, undefined, null).auth.signUp({ email: email.toUpperCase(), password: 'another password' })).rejects.toMatchObject({
			code: 'CONFLICT'
		});
	});

	it('rejects bad input with field errors', async () => {
		await expect(anonymousCaller(test.db).auth.signUp({ email: 'not-an-email', password: 'short' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
	});

	it('caps sign-ups per address per hour, saying when to retry', async () => {
		const caller = anonymousCaller(test.db, new TestCookieJar(), '198.51.100.77');
		for (let i = 0; i < 5; i++) await caller.auth.signUp({ email: `burst${i}@example.test`, password: 'long enough pw' });
		const refused = caller.auth.signUp({ email: 'burst5@example.test', password: 'long enough pw' });
		await expect(refused).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
		await expect(refused).rejects.toThrow(/Too many new accounts from your network\. Try again in \d+ minutes?\./);
	});
});

describe('sign-in and sessions', () => {
	it('signs in with the right password and gives the same answer for an unknown email and a wrong password', async () => {
		const { email, password } = await signedUpCaller(test.db, 'signin');
		const jar = new TestCookieJar();
		const { user } = await anonymousCaller(test.db, jar).auth.signIn({ email: email.toUpperCase(), password });
		expect(user.email).toBe(email);
		expect(jar.token).toBeTruthy();
		expect(jar.expiresAt?.getTime()).toBeGreaterThan(Date.now() + SESSION_TTL_MS - 60_000);

		const wrongPassword = await anonymousCaller(test.db, undefined, '192.0.2.1').auth.signIn({ email, password: 'wrong password' }).catch((error: unknown) => error);
		const unknownEmail = await anonymousCaller(test.db, undefined, '192.0.2.1').auth.signIn({ email: 'nobody@example.test', password: 'wrong password' }).catch((error: unknown) => error);
		expect(wrongPassword).toMatchObject({ code: 'UNAUTHORIZED', message: INVALID_CREDENTIALS });
		expect(unknownEmail).toMatchObject({ code: 'UNAUTHORIZED', message: INVALID_CREDENTIALS });
	});

	it('signs out: the session stops working at once and the cookie is cleared', async () => {
		const { caller, token, jar } = await signedUpCaller(test.db, 'signout');
		await caller.auth.signOut();
		expect(jar.token).toBeNull();
		expect(await validateSessionToken(test.db, token)).toBeNull();
		await expect((await callerForToken(test.db, token)).account.profile.get()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
	});

	it('rejects expired sessions and extends sessions past half their life', async () => {
		const { token } = await signedUpCaller(test.db, 'expiry');
		const id = hashToken(token);
		await test.db.prisma.session.update({ where: { id }, data: { expiresAt: new Date(Date.now() + 3 * 86_400_000) } });
		const renewed = await validateSessionToken(test.db, token);
		expect(renewed?.renewedExpiresAt?.getTime()).toBeGreaterThan(Date.now() + SESSION_TTL_MS - 60_000);
		await test.db.prisma.session.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
		expect(await validateSessionToken(test.db, token)).toBeNull();
		expect(await test.db.prisma.session.count({ where: { id } })).toBe(0);
	});

	it('ends the sessions of a disabled account and refuses its sign-in', async () => {
		const { user, token, email, password } = await signedUpCaller(test.db, 'disabled');
		await test.db.prisma.user.update({ where: { id: user.id }, data: { isDisabled: true } });
		expect(await validateSessionToken(test.db, token)).toBeNull();
		await expect(anonymousCaller(test.db).auth.signIn({ email, password })).rejects.toMatchObject({ code: 'FORBIDDEN', message: /disabled/ });
	});

	it('lists sessions, revokes one, and signs out everything else', async () => {
		const { caller, email, password, token } = await signedUpCaller(test.db, 'multi');
		const other = new TestCookieJar();
		await anonymousCaller(test.db, other).auth.signIn({ email, password });
		await anonymousCaller(test.db, new TestCookieJar()).auth.signIn({ email, password });
		const sessions = await caller.account.sessions.list();
		expect(sessions).toHaveLength(3);
		expect(sessions.filter((session) => session.current).map((session) => session.id)).toEqual([hashToken(token)]);
		await caller.account.sessions.revoke({ id: hashToken(other.token ?? '') });
		expect(await validateSessionToken(test.db, other.token ?? '')).toBeNull();
		expect(await caller.account.sessions.revokeOthers()).toEqual({ revoked: 1 });
		expect(await caller.account.sessions.list()).toHaveLength(1);
	});

	it('cannot revoke someone else’s session', async () => {
		const alice = await signedUpCaller(test.db, 'alice');
		const bob = await signedUpCaller(test.db, 'bob');
		await expect(bob.caller.account.sessions.revoke({ id: hashToken(alice.token) })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		expect(await validateSessionToken(test.db, alice.token)).not.toBeNull();
	});

	it('changing the password revokes the other sessions and keeps this one', async () => {
		const { caller, email, password, token } = await signedUpCaller(test.db, 'pwchange');
		const other = new TestCookieJar();
		await anonymousCaller(test.db, other).auth.signIn({ email, password });
		await expect(caller.account.changePassword({ currentPassword: 'not it', newPassword: 'a brand new one' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
		await caller.account.changePassword({ currentPassword: password, newPassword: 'a brand new one' });
		expect(await validateSessionToken(test.db, token)).not.toBeNull();
		expect(await validateSessionToken(test.db, other.token ?? '')).toBeNull();
		await expect(anonymousCaller(test.db).auth.signIn({ email, password })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
		await anonymousCaller(test.db).auth.signIn({ email, password: 'a brand new one' });
	});
});

describe('failed sign-in limits', () => {
	it('slows, then refuses, then lets the account in again once the failures age out', async () => {
		const { email, password } = await signedUpCaller(test.db, 'throttled');
		const attempt = (pw: string) => anonymousCaller(test.db, new TestCookieJar(), null).auth.signIn({ email, password: pw });
		for (let i = 0; i < 5; i++) await expect(attempt('wrong')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
		// Sixth attempt straight away: slowed down, even with the right password.
		const slowed = attempt(password);
		await expect(slowed).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
		await expect(slowed).rejects.toThrow(/Too many failed sign-ins for this account\. Try again in 1 second\./);

		// Ten failures lock the account for the window; age the failures instead of waiting.
		const subject = `email:${email.toLowerCase()}`;
		await test.db.prisma.throttleEvent.createMany({ data: Array.from({ length: 5 }, () => ({ action: 'sign_in_failure', subject })) });
		const locked = attempt(password);
		await expect(locked).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
		await expect(locked).rejects.toThrow(/Try again in 15 minutes\./);

		await test.db.prisma.$executeRaw`update auth.throttle_events set created_at = created_at - interval '16 minutes' where subject = ${subject}`;
		const { user } = await attempt(password);
		expect(user.email).toBe(email);
		expect(await test.db.prisma.throttleEvent.count({ where: { subject } })).toBe(0);
	});

	it('caps failures from one address across accounts', async () => {
		const ip = '198.51.100.200';
		await test.db.prisma.throttleEvent.createMany({ data: Array.from({ length: 50 }, () => ({ action: 'sign_in_failure', subject: `ip:${ip}` })) });
		const { email, password } = await signedUpCaller(test.db, 'fromip');
		await expect(anonymousCaller(test.db, new TestCookieJar(), ip).auth.signIn({ email, password })).rejects.toThrow(/Too many failed sign-ins from your network/);
		await anonymousCaller(test.db, new TestCookieJar(), '198.51.100.201').auth.signIn({ email, password });
	});
});

describe('procedure tiers', () => {
	const adminOnly = router({ ping: adminProcedure.query(() => 'pong') });

	it('authed procedures are UNAUTHORIZED without a session; admin ones FORBIDDEN to everyone but admins, anonymous included', async () => {
		await expect(anonymousCaller(test.db).account.profile.get()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
		await expect(createCallerFactory(adminOnly)(createInnerContext({ db: test.db })).ping()).rejects.toMatchObject({ code: 'FORBIDDEN' });

		const regular = await signedUpCaller(test.db, 'regular');
		const validated = await validateSessionToken(test.db, regular.token);
		if (!validated) throw new Error('a fresh session must validate');
		const asRegular = createCallerFactory(adminOnly)(createInnerContext({ db: test.db, user: validated.user, session: validated.session }));
		await expect(asRegular.ping()).rejects.toMatchObject({ code: 'FORBIDDEN' });

		await test.db.prisma.profile.update({ where: { id: regular.user.id }, data: { role: 'admin' } });
		const promoted = await validateSessionToken(test.db, regular.token);
		const asAdmin = createCallerFactory(adminOnly)(createInnerContext({ db: test.db, user: promoted?.user ?? null, session: promoted?.session ?? null }));
		expect(await asAdmin.ping()).toBe('pong');
	});
});

describe('API tokens', () => {
	it('are shown once, stored hashed, act as their owner, and stop working when revoked', async () => {
		const { caller, user } = await signedUpCaller(test.db, 'developer');
		const { token, apiToken } = await caller.account.apiTokens.create({ name: 'backup script' });
		expect(token).toMatch(/^aa_[a-z2-7]{39}$/);
		expect(apiToken.tokenPrefix).toBe(token.slice(0, 9));
		const listed = await caller.account.apiTokens.list();
		expect(JSON.stringify(listed)).not.toContain(token);
		expect(JSON.stringify(await test.db.prisma.apiToken.findMany())).not.toContain(token);

		const identity = await validateApiToken(test.db, token);
		expect(identity?.user.id).toBe(user.id);
		const viaToken = callerAs(test.db, identity?.user ?? user, identity?.session ?? { id: '', expiresAt: null, via: 'api_token' });
		expect((await viaToken.account.profile.get()).id).toBe(user.id);

		await caller.account.apiTokens.revoke({ id: apiToken.id });
		expect(await validateApiToken(test.db, token)).toBeNull();
		expect(await validateApiToken(test.db, 'aa_notarealtoken')).toBeNull();
	});

	it('expired tokens and tokens of disabled accounts are refused', async () => {
		const { caller, user } = await signedUpCaller(test.db, 'expiring');
		const { token, apiToken } = await caller.account.apiTokens.create({ name: 'short', expiresInDays: 1 });
		expect(await validateApiToken(test.db, token)).not.toBeNull();
		await test.db.prisma.apiToken.update({ where: { id: apiToken.id }, data: { expiresAt: new Date(Date.now() - 1) } });
		expect(await validateApiToken(test.db, token)).toBeNull();
		const { token: second } = await caller.account.apiTokens.create({ name: 'other' });
		await test.db.prisma.user.update({ where: { id: user.id }, data: { isDisabled: true } });
		expect(await validateApiToken(test.db, second)).toBeNull();
	});
});

describe('profile, settings and account deletion', () => {
	it('updates the profile but never the tier or role', async () => {
		const { caller } = await signedUpCaller(test.db, 'profiled');
		const updated = await caller.account.profile.update({ displayName: 'Ada', avatarUrl: 'https://example.test/ada.png' });
		expect(updated).toMatchObject({ displayName: 'Ada', avatarUrl: 'https://example.test/ada.png', tier: 'free', role: 'user' });
		await expect(caller.account.profile.update({ displayName: '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
	});

	it('validates settings ranges and models allowed by the tier', async () => {
		const { caller } = await signedUpCaller(test.db, 'prefs');
		const { settings, models } = await caller.settings.get();
		expect(models.map((model) => model.modelName)).toContain('gpt-4o-mini');
		expect(models.map((model) => model.modelName)).not.toContain('gpt-5'); // pro and enterprise only
		const base = { ...settings, systemPrompt: settings.systemPrompt };
		const saved = await caller.settings.update({ ...base, temperature: 1.25, maxTokens: 4000, defaultModel: 'gpt-4o-mini', systemPrompt: 'Be brief.' });
		expect(saved).toMatchObject({ temperature: 1.25, maxTokens: 4000, defaultModel: 'gpt-4o-mini', systemPrompt: 'Be brief.' });
		await expect(caller.settings.update({ ...base, temperature: 3 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
		await expect(caller.settings.update({ ...base, maxTokens: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
		const forbidden = await caller.settings.update({ ...base, defaultModel: 'gpt-5' }).catch((error: unknown) => error);
		expect(forbidden).toMatchObject({ code: 'BAD_REQUEST', message: 'That model is not available on your plan.' });
	});

	it('deletes the account and all of its data after re-checking the password', async () => {
		const { caller, user, password, token } = await signedUpCaller(test.db, 'leaving');
		await caller.account.apiTokens.create({ name: 'x' });
		await test.db.prisma.chatSession.create({ data: { userId: user.id, title: 'bye' } });
		await expect(caller.account.delete({ password: 'wrong' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
		await caller.account.delete({ password });
		expect(await validateSessionToken(test.db, token)).toBeNull();
		for (const count of [
			test.db.prisma.user.count({ where: { id: user.id } }),
			test.db.prisma.profile.count({ where: { id: user.id } }),
			test.db.prisma.userSettings.count({ where: { userId: user.id } }),
			test.db.prisma.apiToken.count({ where: { userId: user.id } }),
			test.db.prisma.chatSession.count({ where: { userId: user.id } })
		]) {
			expect(await count).toBe(0);
		}
	});
});

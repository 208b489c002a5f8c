import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../support/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let test: TestDatabase;
beforeAll(async () => {
	test = await createTestDatabase();
});
afterAll(() => test.dispose());

describe('sign-up trigger on auth.users', () => {
	it('makes the first account an admin (005) and no later one', async () => {
		const first = await createUser(test.db, 'first');
		const second = await createUser(test.db, 'second');
		expect((await test.db.prisma.profile.findUniqueOrThrow({ where: { id: first.id } })).role).toBe('admin');
		expect((await test.db.prisma.profile.findUniqueOrThrow({ where: { id: second.id } })).role).toBe('user');
	});

	it('creates the profile (free tier, user role) and default settings', async () => {
		const user = await createUser(test.db, 'ada', { display_name: 'Ada Lovelace' });
		const profile = await test.db.prisma.profile.findUniqueOrThrow({ where: { id: user.id } });
		expect(profile).toMatchObject({ email: user.email, displayName: 'Ada Lovelace', tier: 'free', role: 'user' });
		const settings = await test.db.prisma.userSettings.findUniqueOrThrow({ where: { userId: user.id } });
		expect(settings).toMatchObject({ theme: 'system', useKnowledgeBase: true, maxTokens: 2048 });
		expect(settings.temperature.toNumber()).toBe(0.7);
	});

	it('derives a display name from the email when none is given', async () => {
		const user = await createUser(test.db, 'grace');
		const profile = await test.db.prisma.profile.findUniqueOrThrow({ where: { id: user.id } });
		expect(profile.displayName).toBe(user.email.split('@')[0]);
	});

	it('treats emails case-insensitively', async () => {
		const user = await createUser(test.db, 'linus');
		await expect(test.db.prisma.user.create({ data: { email: user.email.toUpperCase() } })).rejects.toThrow();
	});

	it('removes every trace of a user with the account', async () => {
		const user = await createUser(test.db, 'gone');
		const chat = await test.db.prisma.chatSession.create({ data: { userId: user.id, title: 'bye' } });
		await test.db.prisma.message.create({ data: { sessionId: chat.id, userId: user.id, role: 'user', content: 'hello' } });
		await test.db.prisma.user.delete({ where: { id: user.id } });
		expect(await test.db.prisma.profile.count({ where: { id: user.id } })).toBe(0);
		expect(await test.db.prisma.userSettings.count({ where: { userId: user.id } })).toBe(0);
		expect(await test.db.prisma.chatSession.count({ where: { userId: user.id } })).toBe(0);
		expect(await test.db.prisma.message.count({ where: { userId: user.id } })).toBe(0);
	});
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushEvents, purgeExpiredEvents, recordEvent } from '../../src/lib/server/analytics';
import { AnalyticsRecorder } from '../../src/lib/server/analytics/recorder';
import { anonymousCaller, signedUpCaller } from '../support/callers';
import { createUser } from '../support/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let test: TestDatabase;
beforeAll(async () => {
	test = await createTestDatabase();
});
afterAll(async () => {
	await flushEvents();
	await test.dispose();
});

const eventsOf = (userId: string) => test.db.prisma.analyticsEvent.findMany({ where: { userId }, orderBy: { id: 'asc' } });

function row(userId: string, route: string) {
	return { userId, sessionId: null, eventType: 'page_view', eventData: { route }, ipAddress: null, userAgent: null, createdAt: new Date() };
}

describe('analytics recorder', () => {
	it('writes in batches: after the interval, or at once when a batch is full', async () => {
		const user = await createUser(test.db, 'batching');
		const recorder = new AnalyticsRecorder(test.db, { batchSize: 3, flushIntervalMs: 200 });
		expect(recorder.record(row(user.id, '/a'))).toBe(true);
		expect(recorder.record(row(user.id, '/b'))).toBe(true);
		expect(await eventsOf(user.id)).toHaveLength(0); // nothing written on the request path
		await new Promise((resolve) => setTimeout(resolve, 600));
		expect(await eventsOf(user.id)).toHaveLength(2);

		for (const route of ['/c', '/d', '/e']) recorder.record(row(user.id, route));
		expect(recorder.pending).toBe(0); // a full batch is handed to the writer immediately
		await recorder.flush();
		expect((await eventsOf(user.id)).map((event) => event.eventData)).toEqual(['/a', '/b', '/c', '/d', '/e'].map((route) => ({ route })));
	});

	it('drops events beyond its buffer instead of waiting, and flushes the rest on shutdown', async () => {
		const user = await createUser(test.db, 'overflow');
		const recorder = new AnalyticsRecorder(test.db, { batchSize: 100, flushIntervalMs: 60_000, maxBuffered: 2 });
		expect([recorder.record(row(user.id, '/1')), recorder.record(row(user.id, '/2')), recorder.record(row(user.id, '/3'))]).toEqual([true, true, false]);
		await recorder.flush(); // what shutdown does (closeAnalytics)
		expect(await eventsOf(user.id)).toHaveLength(2);
	});

	it('drops (never throws) events whose data is not in the allow-list', async () => {
		const user = await createUser(test.db, 'invalid');
		const sneaky = { type: 'message_sent', userId: user.id, data: { model: 'gpt-4o-mini', text: 'my secret question' } };
		// @ts-expect-error -- `text` is not a field of message_sent; the runtime check drops it too.
		expect(recordEvent(test.db, sneaky)).toBe(false);
		// @ts-expect-error -- not an event type
		expect(recordEvent(test.db, { type: 'free_text', userId: user.id, data: {} })).toBe(false);
		expect(recordEvent(test.db, { type: 'message_sent', userId: user.id, data: { model: 'gpt-4o-mini', characters: 18, knowledgeBase: true } })).toBe(true);
		await flushEvents(test.db);
		expect((await eventsOf(user.id)).map((event) => [event.eventType, event.eventData])).toEqual([['message_sent', { model: 'gpt-4o-mini', characters: 18, knowledgeBase: true }]]);
	});
});

describe('events of account flows', () => {
	it('sign up, sign in, settings change and sign out are recorded, with no message text, password or token in any of them', async () => {
		const systemPrompt = 'Always answer as a pirate, my bank PIN is 4321';
		const { user, email, password, token, caller } = await signedUpCaller(test.db, 'flowperson', 'correct horse battery staple');
		const base = (await caller.settings.get()).settings;
		await caller.settings.update({ ...base, systemPrompt, temperature: 1.1 });
		await caller.settings.update({ ...base, systemPrompt, temperature: 1.1 }); // no change: no event
		await anonymousCaller(test.db).auth.signIn({ email, password });
		await caller.auth.signOut();
		await flushEvents(test.db);

		const events = await eventsOf(user.id);
		expect(events.map((event) => event.eventType)).toEqual(['sign_up', 'settings_changed', 'sign_in', 'sign_out']);
		expect(events.find((event) => event.eventType === 'settings_changed')?.eventData).toEqual({ fields: ['temperature', 'systemPrompt'] });
		expect(events[0]?.ipAddress).toBeNull(); // signedUpCaller signs up without an address
		expect(events[2]?.ipAddress).toBe('203.0.113.7');
		expect(events[2]?.userAgent).toBe('vitest');

		const everything = JSON.stringify(await test.db.prisma.analyticsEvent.findMany(), (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
		for (const secret of [password, token, systemPrompt, 'pirate', email, 'flowperson']) expect(everything).not.toContain(secret);
	});
});

describe('analytics.track', () => {
	it('records an allow-listed page view from a signed-in or anonymous caller', async () => {
		const { user, caller } = await signedUpCaller(test.db, 'viewer');
		expect(await caller.analytics.track({ type: 'page_view', data: { route: '/chat/[id]' } })).toEqual({ recorded: true });
		expect(await anonymousCaller(test.db, undefined, '198.51.100.9').analytics.track({ type: 'page_view', data: { route: '/(auth)/login' } })).toEqual({ recorded: true });
		await flushEvents(test.db);
		expect((await eventsOf(user.id)).filter((event) => event.eventType === 'page_view').map((event) => event.eventData)).toEqual([{ route: '/chat/[id]' }]);
		const anonymous = await test.db.prisma.analyticsEvent.findFirstOrThrow({ where: { userId: null, eventType: 'page_view' } });
		expect(anonymous.ipAddress).toBe('198.51.100.9');
	});

	it.each([
		['a server-only event type', { type: 'sign_in', data: {} }],
		['an unknown event type', { type: 'purchase', data: {} }],
		['an extra field', { type: 'page_view', data: { route: '/chat', text: 'hello' } }],
		['a field beside data', { type: 'page_view', data: { route: '/chat' }, note: 'x' }],
		['a concrete URL with a query string', { type: 'page_view', data: { route: '/share/abc?token=secret' } }],
		['an oversized route', { type: 'page_view', data: { route: `/${'a'.repeat(300)}` } }],
		['no route', { type: 'page_view', data: {} }]
	])('refuses %s', async (_, input) => {
		const caller = anonymousCaller(test.db, undefined, '198.51.100.20');
		// @ts-expect-error -- deliberately outside the input type
		await expect(caller.analytics.track(input)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
	});

	it('is rate-limited per caller, saying when to retry', async () => {
		const { caller } = await signedUpCaller(test.db, 'flooder');
		for (let n = 0; n < 60; n++) await caller.analytics.track({ type: 'page_view', data: { route: '/chat' } });
		await expect(caller.analytics.track({ type: 'page_view', data: { route: '/chat' } })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
		// Someone else is unaffected.
		const { caller: other } = await signedUpCaller(test.db, 'bystander');
		expect(await other.analytics.track({ type: 'page_view', data: { route: '/chat' } })).toEqual({ recorded: true });
	});
});

describe('retention', () => {
	it('purges raw events older than the retention period and keeps the rest', async () => {
		const user = await createUser(test.db, 'retention');
		const day = 24 * 60 * 60 * 1000;
		await test.db.prisma.analyticsEvent.createMany({
			data: [91, 90.5, 89, 1].map((days) => ({ userId: user.id, eventType: 'page_view', eventData: { route: `/${days}` }, createdAt: new Date(Date.now() - days * day) }))
		});
		expect(await purgeExpiredEvents(test.db, 90)).toBeGreaterThanOrEqual(2);
		expect((await eventsOf(user.id)).map((event) => event.eventData)).toEqual([{ route: '/89' }, { route: '/1' }]);
	});
});

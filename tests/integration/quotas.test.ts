import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { ChatStreamEvent, ThreadMessage } from '../../src/lib/chat/types';
import type { ProviderOptions } from '../../src/lib/server/ai/provider-registry';
import { streamAnswer } from '../../src/lib/server/chat/chat.service';
import { whenGenerationsSettled } from '../../src/lib/server/chat/answer/generate';
import { forgetAllowedModels } from '../../src/lib/server/chat/models.service';
import { AppError } from '../../src/lib/server/errors';
import { createServices, providerLookup } from '../../src/lib/server/services';
import { createInnerContext } from '../../src/lib/server/trpc/context';
import { appRouter } from '../../src/lib/server/trpc/router';
import { sweepExpiredReservations } from '../../src/lib/server/usage/quota.repo';
import { validateSessionToken } from '../../src/lib/server/auth/session.service';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai-server';
import { signedUpCaller } from '../support/callers';
import { createTestDatabase, testEngine, type TestDatabase } from '../support/test-database';

const FAST: ProviderOptions = {
	timeouts: { firstTokenMs: 2_000, idleMs: 2_000 },
	retry: { maxRetries: 0, baseDelayMs: 10, maxDelayMs: 30, maxRetryAfterMs: 500 },
	offlineChunkDelayMs: 0
};
const services = createServices({ providers: providerLookup(FAST) });

let test: TestDatabase;
let llm: FakeOpenAI;

type Member = Awaited<ReturnType<typeof signedUpCaller>>;

async function member(name: string): Promise<Member> {
	return signedUpCaller(test.db, name, undefined, services);
}

async function override(userId: string, limits: { requestsPerMinute?: number; tokensPerDay?: bigint; monthlyCostCapUsd?: string }) {
	await test.db.prisma.userLimitOverride.upsert({ where: { userId }, create: { userId, ...limits }, update: limits });
}

async function finalOf(userId: string, messageId: string): Promise<ThreadMessage> {
	let final: ThreadMessage | null = null;
	for await (const event of streamAnswer({ db: test.db }, userId, messageId) as AsyncGenerator<ChatStreamEvent>) if (event.type === 'done') final = event.message;
	if (!final) throw new Error('no final message');
	return final;
}

/** Fixed one-minute windows: don't start a burst in the last seconds of one, or it spans two. */
async function awayFromMinuteBoundary(): Promise<void> {
	const intoMinute = Date.now() % 60_000;
	if (intoMinute > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
}

function quotaOf(error: unknown) {
	return error instanceof AppError ? error.quota : error instanceof Error && error.cause instanceof AppError ? error.cause.quota : undefined;
}

beforeAll(async () => {
	test = await createTestDatabase({ poolSize: 60 });
	llm = await startFakeOpenAI();
	await test.db.prisma.modelConfiguration.update({ where: { modelName: 'gpt-4o-mini' }, data: { provider: 'openai-compatible', baseUrl: llm.url } });
	forgetAllowedModels();
	await signedUpCaller(test.db, 'site-admin');
});
afterEach(async () => {
	await whenGenerationsSettled();
	llm.reset();
});
afterAll(async () => {
	await llm.close();
	await test.dispose();
});

describe('requests per minute', () => {
	it.runIf(testEngine === 'native')('50 concurrent sends by one free user (10 a minute) admit exactly 10 and refuse 40, saying when', async () => {
		const user = await member('burst');
		await awayFromMinuteBoundary();
		const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => user.caller.chat.send({ content: `burst ${i}`, model: 'offline' })));
		const admitted = results.filter((result) => result.status === 'fulfilled');
		const refused = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
		expect(admitted).toHaveLength(10);
		expect(refused).toHaveLength(40);
		for (const error of refused) {
			expect(error).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
			const quota = quotaOf(error);
			expect(quota).toMatchObject({ kind: 'requests_per_minute', limit: 10, used: 10 });
			expect(quota?.resetAt?.getTime()).toBeGreaterThan(Date.now());
			expect(quota?.retryAfterSeconds).toBeGreaterThan(0);
			expect(quota?.retryAfterSeconds).toBeLessThanOrEqual(60);
		}
		await whenGenerationsSettled();
		// Refused sends saved nothing and sent nothing; each left one rate_limited log row.
		expect(await test.db.prisma.message.count({ where: { userId: user.user.id, role: 'user' } })).toBe(10);
		expect(await test.db.prisma.apiUsageLog.count({ where: { userId: user.user.id, status: 'rate_limited' } })).toBe(40);
		expect(await test.db.prisma.quotaReservation.count({ where: { userId: user.user.id } })).toBe(0);
	});

	it('a refusal says in words which limit and how long to wait, and the API carries it as data.quota', async () => {
		const user = await member('words');
		await override(user.user.id, { requestsPerMinute: 1 });
		await awayFromMinuteBoundary();
		await user.caller.chat.send({ content: 'first', model: 'offline' });
		const error = await user.caller.chat.send({ content: 'second', model: 'offline' }).catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
		expect(error instanceof Error ? error.message : '').toMatch(/^You've used your 1 message for this minute; try again in (\d+ seconds?|1 minute)\.$/); // a full minute when sent right at its start

		// Over HTTP, the same refusal as a typed tRPC error with data.quota.
		const validated = await validateSessionToken(test.db, user.token);
		const response = await fetchRequestHandler({
			endpoint: '/api/trpc',
			req: new Request('http://localhost/api/trpc/chat.send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ json: { content: 'third', model: 'offline' } }) }),
			router: appRouter,
			createContext: () => createInnerContext({ db: test.db, user: validated?.user, session: validated?.session, services })
		});
		expect(response.status).toBe(429);
		const body = (await response.json()) as { error: { json: { message: string; data: { code: string; quota: { kind: string; limit: number; used: number; retryAfterSeconds: number; resetAt: string } } } } };
		expect(body.error.json.data.code).toBe('TOO_MANY_REQUESTS');
		expect(body.error.json.data.quota).toMatchObject({ kind: 'requests_per_minute', limit: 1, used: 1 });
		expect(body.error.json.message).toMatch(/try again in/);
	});

	it('an override beats the tier, and the usage summary says so', async () => {
		const user = await member('override');
		await override(user.user.id, { requestsPerMinute: 2 });
		await awayFromMinuteBoundary();
		await user.caller.chat.send({ content: 'one', model: 'offline' });
		const second = await user.caller.chat.send({ content: 'two', model: 'offline' });
		// 2 of 2: at or past 80 % of the limit, the send result warns.
		expect(second.quotaWarnings).toContainEqual(expect.objectContaining({ kind: 'requests_per_minute', limit: 2, used: 2 }));
		await expect(user.caller.chat.send({ content: 'three', model: 'offline' })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
		const usage = await user.caller.usage.me();
		expect(usage.tier).toBe('free');
		expect(usage.limits.find((limit) => limit.kind === 'requests_per_minute')).toMatchObject({ limit: 2, used: 2, remaining: 0, overridden: true });
		expect(usage.limits.find((limit) => limit.kind === 'requests_per_day')).toMatchObject({ limit: 200, used: 2, overridden: false });
		expect(usage.nextTier?.tier).toBe('basic');
		expect(usage.history).toHaveLength(30);
	});
});

describe('token and cost caps', () => {
	it.runIf(testEngine === 'native')('20 concurrent long answers never exceed a small tokens-per-day cap, and use at least 80 % of it', async () => {
		const user = await member('tokens');
		const cap = 4_000;
		await override(user.user.id, { requestsPerMinute: 1_000, tokensPerDay: BigInt(cap) });
		await test.db.prisma.userSettings.update({ where: { userId: user.user.id }, data: { maxTokens: 300 } });
		for (let i = 0; i < 60; i++) llm.script({ tokens: Array.from({ length: 1_000 }, () => 'w '), tokenDelayMs: 1 });
		const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => user.caller.chat.send({ content: `long answer ${i}` })));
		const admitted = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
		expect(admitted.length).toBeGreaterThan(0);
		expect(admitted.length).toBeLessThan(20);
		for (const result of results) if (result.status === 'rejected') expect(quotaOf(result.reason)?.kind).toBe('tokens_per_day');
		await whenGenerationsSettled();
		const spent = await test.db.prisma.apiUsageLog.aggregate({ where: { userId: user.user.id }, _sum: { totalTokens: true } });
		const total = spent._sum.totalTokens ?? 0;
		expect(total).toBeLessThanOrEqual(cap);
		expect(total).toBeGreaterThanOrEqual(cap * 0.8);
		expect(await test.db.prisma.quotaReservation.count({ where: { userId: user.user.id } })).toBe(0);
	});

	it('a monthly cost cap refuses once it is reached', async () => {
		const user = await member('cost');
		await override(user.user.id, { monthlyCostCapUsd: '0.010000' });
		await test.db.prisma.profile.update({ where: { id: user.user.id }, data: { tier: 'basic' } });
		await test.db.prisma.modelConfiguration.update({ where: { modelName: 'gpt-4o-mini' }, data: { inputPricePer1m: '10', outputPricePer1m: '10' } });
		try {
			// The upstream reports 1,000 tokens: $0.01 at $10 per million, the whole cap.
			llm.script({ reply: 'expensive', usage: { prompt_tokens: 500, completion_tokens: 500 } });
			llm.script({ reply: 'Title' });
			const first = await user.caller.chat.send({ content: 'what does this cost?' });
			expect((await finalOf(user.user.id, first.assistantMessage.id)).costUsd).toBe('0.010000');
			await whenGenerationsSettled();
			const error = await user.caller.chat.send({ content: 'and this?' }).catch((caught: unknown) => caught);
			expect(error).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
			expect(quotaOf(error)).toMatchObject({ kind: 'monthly_cost_usd', limit: 0.01 });
			expect(error instanceof Error ? error.message : '').toMatch(/this month's \$0\.01 spending limit/);
			// Offline answers cost nothing and stay available.
			await expect(user.caller.chat.send({ content: 'offline still works', model: 'offline' })).resolves.toBeTruthy();
		} finally {
			await test.db.prisma.modelConfiguration.update({ where: { modelName: 'gpt-4o-mini' }, data: { inputPricePer1m: '0.15', outputPricePer1m: '0.6' } });
		}
	});

	it('a model outside the tier is refused before anything is reserved', async () => {
		const user = await member('tiered');
		await expect(user.caller.chat.send({ content: 'hi', model: 'gpt-5' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
		expect(await test.db.prisma.apiUsageLog.count({ where: { userId: user.user.id } })).toBe(0);
		expect(await test.db.prisma.rateLimit.count({ where: { userId: user.user.id } })).toBe(0);
	});
});

describe('reservations', () => {
	it('a stopped answer and a failed one release their reservations and log what they used', async () => {
		const user = await member('release');
		llm.script({ tokens: Array.from({ length: 300 }, (_, i) => `s${i} `), tokenDelayMs: 15 });
		const long = await user.caller.chat.send({ content: 'a long one' });
		await expect.poll(() => test.db.prisma.quotaReservation.count({ where: { userId: user.user.id } })).toBe(1);
		await expect.poll(() => llm.requests.length).toBeGreaterThan(0);
		await user.caller.chat.stop({ messageId: long.assistantMessage.id });
		expect((await finalOf(user.user.id, long.assistantMessage.id)).status).toBe('stopped');
		await whenGenerationsSettled();

		llm.script({ fault: 'http500' });
		const failing = await user.caller.chat.send({ content: 'this fails', sessionId: long.sessionId });
		expect((await finalOf(user.user.id, failing.assistantMessage.id)).status).toBe('error');
		await whenGenerationsSettled();

		expect(await test.db.prisma.quotaReservation.count({ where: { userId: user.user.id } })).toBe(0);
		const logs = await test.db.prisma.apiUsageLog.findMany({ where: { userId: user.user.id, endpoint: 'chat' }, orderBy: { id: 'asc' } });
		expect(logs.map((log) => [log.messageId, log.status])).toEqual([
			[long.assistantMessage.id, 'cancelled'],
			[failing.assistantMessage.id, 'error']
		]);
		expect(logs[0]?.completionTokens).toBeGreaterThan(0);
	});

	it('every upstream call leaves exactly one log row that matches the saved answer', async () => {
		const user = await member('ledger');
		const sent = [];
		for (let i = 0; i < 3; i++) {
			llm.script({ reply: `answer ${i}` });
			if (i === 0) llm.script({ reply: 'Ledger title' });
			const result = await user.caller.chat.send({ content: `question ${i}`, sessionId: sent[0]?.sessionId ?? null });
			await finalOf(user.user.id, result.assistantMessage.id);
			await whenGenerationsSettled();
			sent.push(result);
		}
		const upstream = llm.requests.filter((request) => request.path === '/v1/chat/completions');
		const logs = await test.db.prisma.apiUsageLog.findMany({ where: { userId: user.user.id } });
		expect(logs).toHaveLength(upstream.length); // three answers and one title
		expect(logs.filter((log) => log.endpoint === 'chat.title')).toHaveLength(1);
		for (const result of sent) {
			const message = await test.db.prisma.message.findUniqueOrThrow({ where: { id: result.assistantMessage.id } });
			const log = logs.find((row) => row.messageId === message.id);
			expect(log).toMatchObject({ status: 'success', promptTokens: message.promptTokens, completionTokens: message.completionTokens, provider: 'openai-compatible', model: 'gpt-4o-mini', chatSessionId: result.sessionId });
			expect(log?.costUsd.toFixed(6)).toBe(message.costUsd?.toFixed(6));
			expect(log?.latencyMs).toBe(message.responseTimeMs);
		}
	});

	it('a sweep releases reservations a crashed process left behind, and a stale one blocks nobody', async () => {
		const user = await member('crashed');
		await override(user.user.id, { tokensPerDay: 5_000n });
		// What a process that died mid-answer leaves: a reservation of the whole budget, long expired.
		await test.db.prisma.quotaReservation.create({ data: { userId: user.user.id, endpoint: 'chat', model: 'gpt-4o-mini', tokens: 5_000n, costUsd: '0', expiresAt: new Date(Date.now() - 1_000) } });
		llm.script({ reply: 'still answered' });
		llm.script({ reply: 'Title' });
		await expect(user.caller.chat.send({ content: 'am I blocked?' })).resolves.toBeTruthy();
		await whenGenerationsSettled();
		await test.db.prisma.quotaReservation.create({ data: { userId: user.user.id, endpoint: 'chat', model: 'gpt-4o-mini', tokens: 10n, costUsd: '0', expiresAt: new Date(Date.now() - 1_000) } });
		expect(await sweepExpiredReservations(test.db)).toBeGreaterThanOrEqual(1);
		expect(await test.db.prisma.quotaReservation.count({ where: { userId: user.user.id } })).toBe(0);
	});
});

describe('rollups', () => {
	it('usage_analytics equals the sums of the raw logs, per user, day and model', async () => {
		const raw = await test.db.prisma.$queryRaw<{ key: string; requests: bigint; tokens: bigint; cost: string; errors: bigint }[]>`
			select user_id::text || '|' || (created_at at time zone 'utc')::date::text || '|' || model as key,
			       count(*)::bigint as requests, sum(total_tokens)::bigint as tokens, sum(cost_usd)::text as cost,
			       count(*) filter (where status = 'error')::bigint as errors
			from public.api_usage_logs group by 1 order by 1`;
		const rolled = await test.db.prisma.$queryRaw<{ key: string; requests: bigint; tokens: bigint; cost: string; errors: bigint }[]>`
			select user_id::text || '|' || date::text || '|' || model as key,
			       request_count::bigint as requests, total_tokens as tokens, cost_usd::text as cost, error_count::bigint as errors
			from public.usage_analytics order by 1`;
		expect(raw.length).toBeGreaterThan(0);
		expect(rolled).toEqual(raw);
	});
});

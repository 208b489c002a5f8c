import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatStreamEvent } from '../../src/lib/chat/types';
import type { AnalyticsRange } from '../../src/lib/schemas/admin-analytics';
import type { ProviderOptions } from '../../src/lib/server/ai/provider-registry';
import { LATENCY_BUCKET_BOUNDS } from '../../src/lib/server/admin/histogram';
import { whenGenerationsSettled } from '../../src/lib/server/chat/answer/generate';
import { streamAnswer } from '../../src/lib/server/chat/chat.service';
import { forgetAllowedModels } from '../../src/lib/server/chat/models.service';
import { createServices, providerLookup } from '../../src/lib/server/services';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai-server';
import { anonymousCaller, signedUpCaller } from '../support/callers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * The admin dashboards against the raw log: usage produced through the real chat path (the fake
 * model server behind the real openai SDK), then every dashboard figure compared with the same
 * figure computed from api_usage_logs.
 */

const FAST: ProviderOptions = {
	timeouts: { firstTokenMs: 2_000, idleMs: 2_000 },
	retry: { maxRetries: 0, baseDelayMs: 10, maxDelayMs: 30, maxRetryAfterMs: 500 },
	offlineChunkDelayMs: 0
};
const services = createServices({ providers: providerLookup(FAST) });

let test: TestDatabase;
let llm: FakeOpenAI;
type Member = Awaited<ReturnType<typeof signedUpCaller>>;
let admin: Member;
let alice: Member;
let bob: Member;

async function answer(who: Member, content: string, model?: string): Promise<void> {
	const sent = await who.caller.chat.send({ content, model });
	for await (const event of streamAnswer({ db: test.db }, who.user.id, sent.assistantMessage.id) as AsyncGenerator<ChatStreamEvent>) if (event.type === 'done') break;
}

interface RawTotals {
	requests: number;
	successes: number;
	errors: number;
	cancelled: number;
	rate_limited: number;
	prompt_tokens: number;
	completion_tokens: number;
	total_tokens: number;
	cost_micros: number;
	active_users: number;
}

/** The figures straight from the log, since `from`. */
async function rawTotals(from: Date, model?: string): Promise<RawTotals> {
	const [row] = await test.db.withSession((session) =>
		session.query<RawTotals>(
			`select count(*)::int as requests,
			        count(*) filter (where status = 'success')::int as successes,
			        count(*) filter (where status = 'error')::int as errors,
			        count(*) filter (where status = 'cancelled')::int as cancelled,
			        count(*) filter (where status = 'rate_limited')::int as rate_limited,
			        coalesce(sum(prompt_tokens), 0)::int as prompt_tokens,
			        coalesce(sum(completion_tokens), 0)::int as completion_tokens,
			        coalesce(sum(total_tokens), 0)::int as total_tokens,
			        (coalesce(sum(cost_usd), 0) * 1000000)::float8 as cost_micros,
			        count(distinct user_id)::int as active_users
			 from public.api_usage_logs where created_at >= $1 and ($2::text is null or model = $2)`,
			[from, model ?? null]
		)
	);
	if (!row) throw new Error('no row');
	return row;
}

/** The exact percentile from the log, and the bucket it falls in (the rollups' resolution). */
async function rawPercentile(column: 'latency_ms' | 'time_to_first_token_ms', q: number, from: Date): Promise<{ exact: number | null; low: number; high: number }> {
	const [row] = await test.db.withSession((session) =>
		session.query<{ exact: number | null }>(
			`select percentile_disc($1::float8) within group (order by ${column}) as exact from public.api_usage_logs where created_at >= $2 and endpoint = 'chat' and ${column} is not null`,
			[q, from]
		)
	);
	const exact = row?.exact ?? null;
	const i = exact === null ? 0 : LATENCY_BUCKET_BOUNDS.findLastIndex((bound) => bound <= exact);
	return { exact, low: LATENCY_BUCKET_BOUNDS[Math.max(0, i - 1)] ?? 0, high: LATENCY_BUCKET_BOUNDS[i + 2] ?? Number.POSITIVE_INFINITY };
}

beforeAll(async () => {
	test = await createTestDatabase();
	llm = await startFakeOpenAI();
	await test.db.prisma.modelConfiguration.update({ where: { modelName: 'gpt-4o-mini' }, data: { provider: 'openai-compatible', baseUrl: llm.url } });
	forgetAllowedModels();
	admin = await signedUpCaller(test.db, 'site-admin', undefined, services);
	alice = await signedUpCaller(test.db, 'alice', undefined, services);
	bob = await signedUpCaller(test.db, 'bob', undefined, services);
	await test.db.prisma.profile.update({ where: { id: alice.user.id }, data: { tier: 'pro' } });
	await test.db.prisma.userLimitOverride.create({ data: { userId: bob.user.id, requestsPerMinute: 2 } });

	// Alice: two answers with different first-token delays (and their titles), billed at gpt-4o-mini's prices.
	llm.script({ tokens: ['Hello ', 'there.'], ttftMs: 30, tokenDelayMs: 10, usage: { prompt_tokens: 1_200, completion_tokens: 300 } });
	llm.script({ reply: '"Greeting"' });
	await answer(alice, 'Hi');
	llm.script({ tokens: ['Second ', 'answer ', 'here.'], ttftMs: 120, tokenDelayMs: 20, usage: { prompt_tokens: 5_000, completion_tokens: 2_000 } });
	llm.script({ reply: '"Second"' });
	await answer(alice, 'Tell me more');
	await whenGenerationsSettled();
	// Bob: one upstream failure (its text must reach the dashboard), one offline answer, then a quota refusal.
	llm.script({ fault: 'http500', message: 'Upstream exploded =SUM(A1)' });
	llm.script({ reply: '"Failure"' });
	await answer(bob, 'This will fail');
	await answer(bob, 'Offline please', 'offline');
	await bob.caller.chat.send({ content: 'Refused', model: 'offline' }).catch(() => undefined);
	await whenGenerationsSettled();
});
afterAll(async () => {
	await llm.close();
	await test.dispose();
});

const RANGES: readonly AnalyticsRange[] = ['24h', '7d', '30d', '90d'];

describe('analytics figures equal sums over the raw logs', () => {
	it('the chat path left calls of every outcome to count', async () => {
		const raw = await rawTotals(new Date(0));
		expect(raw.successes).toBeGreaterThanOrEqual(3);
		expect(raw.errors).toBeGreaterThanOrEqual(1);
		expect(raw.rate_limited).toBe(1);
		expect(raw.active_users).toBe(2);
	});

	it.each(RANGES)('overview (%s): requests by outcome, tokens, cost, active users', async (range) => {
		const overview = await admin.caller.admin.analytics.overview({ range });
		const raw = await rawTotals(overview.from);
		expect(overview).toMatchObject({
			requests: raw.requests,
			successes: raw.successes,
			errors: raw.errors,
			cancelled: raw.cancelled,
			rateLimited: raw.rate_limited,
			promptTokens: raw.prompt_tokens,
			completionTokens: raw.completion_tokens,
			totalTokens: raw.total_tokens,
			costUsd: raw.cost_micros / 1e6,
			activeUsers: raw.active_users,
			totalUsers: 3
		});
		expect(overview.errorRate).toBeCloseTo(raw.errors / (raw.requests - raw.rate_limited), 10);
	});

	it('answer latency and time-to-first-token percentiles agree with the exact ones to within a bucket', async () => {
		const overview = await admin.caller.admin.analytics.overview({ range: '24h' });
		for (const [figure, column, q] of [
			[overview.latencyP50Ms, 'latency_ms', 0.5],
			[overview.latencyP95Ms, 'latency_ms', 0.95],
			[overview.ttftP50Ms, 'time_to_first_token_ms', 0.5],
			[overview.ttftP95Ms, 'time_to_first_token_ms', 0.95]
		] as const) {
			const { exact, low, high } = await rawPercentile(column, q, overview.from);
			expect(exact).not.toBeNull();
			expect(figure).toBeGreaterThanOrEqual(low);
			expect(figure).toBeLessThanOrEqual(high);
		}
		// The two answers' first tokens came after 30 and 120 ms: the median can't be the first one's.
		expect(overview.ttftP95Ms).toBeGreaterThanOrEqual(100);
	});

	it('time series: every hour of the last 24 holds exactly that hour’s calls', async () => {
		const series = await admin.caller.admin.analytics.timeseries({ range: '24h' });
		expect(series.points).toHaveLength(24);
		const rows = await test.db.withSession((session) =>
			session.query<{ t: number; requests: number; tokens: number; cost_micros: number; users: number }>(
				`select extract(epoch from date_trunc('hour', created_at, 'UTC'))::float8 as t, count(*)::int as requests,
				        sum(total_tokens)::int as tokens, (sum(cost_usd) * 1000000)::float8 as cost_micros, count(distinct user_id)::int as users
				 from public.api_usage_logs group by 1`
			)
		);
		const expected = new Map(rows.map((row) => [row.t, row]));
		for (const point of series.points) {
			const raw = expected.get(point.t);
			expect({ requests: point.requests, tokens: point.totalTokens, cost: point.costUsd, users: point.activeUsers }).toEqual({
				requests: raw?.requests ?? 0,
				tokens: raw?.tokens ?? 0,
				cost: (raw?.cost_micros ?? 0) / 1e6,
				users: raw?.users ?? 0
			});
		}
		expect(series.points.reduce((sum, point) => sum + point.requests, 0)).toBe((await rawTotals(new Date(0))).requests);
		// Per-model latency series for the model that answered.
		const mini = series.models.find((model) => model.model === 'gpt-4o-mini');
		expect(mini?.displayName).toBe('GPT-4o mini');
		expect(mini?.latencyP95Ms.some((value) => value !== null && value > 0)).toBe(true);
		expect(mini?.ttftP50Ms.filter((value) => value !== null)).toHaveLength(1);
	});

	it('daily time series add up to the overview', async () => {
		const series = await admin.caller.admin.analytics.timeseries({ range: '30d' });
		expect(series.points).toHaveLength(30);
		const overview = await admin.caller.admin.analytics.overview({ range: '30d' });
		expect(series.points.reduce((sum, point) => sum + point.totalTokens, 0)).toBe(overview.totalTokens);
		expect(series.points.at(-1)?.activeUsers).toBe(overview.activeUsers);
	});

	it('by model: each model’s figures equal its rows in the log', async () => {
		const models = await admin.caller.admin.analytics.byModel({ range: '7d' });
		expect(models.map((row) => row.model).sort()).toEqual(['gpt-4o-mini', 'offline']);
		for (const row of models) {
			const raw = await rawTotals(new Date(0), row.model);
			expect(row).toMatchObject({ requests: raw.requests, errors: raw.errors, rateLimited: raw.rate_limited, totalTokens: raw.total_tokens, costUsd: raw.cost_micros / 1e6 });
		}
		expect(models[0]).toMatchObject({ model: 'gpt-4o-mini', displayName: 'GPT-4o mini', costShare: 1 });
	});

	it('by tier and top users: per-user sums, joined to each user’s tier', async () => {
		const raw = await test.db.withSession((session) =>
			session.query<{ user_id: string; requests: number; tokens: number; cost_micros: number; errors: number }>(
				`select user_id, count(*)::int as requests, sum(total_tokens)::int as tokens, (sum(cost_usd) * 1000000)::float8 as cost_micros,
				        count(*) filter (where status = 'error')::int as errors
				 from public.api_usage_logs group by user_id order by sum(cost_usd) desc`
			)
		);
		const top = await admin.caller.admin.analytics.topUsers({ range: '24h' });
		expect(top.map((row) => ({ userId: row.userId, requests: row.requests, tokens: row.totalTokens, cost: row.costUsd, errors: row.errors }))).toEqual(
			raw.map((row) => ({ userId: row.user_id, requests: row.requests, tokens: row.tokens, cost: row.cost_micros / 1e6, errors: row.errors }))
		);
		expect(top[0]).toMatchObject({ email: alice.email, tier: 'pro' });

		const tiers = await admin.caller.admin.analytics.byTier({ range: '90d' });
		expect(tiers.map((row) => row.tier)).toEqual(['free', 'basic', 'pro', 'enterprise']);
		const aliceRaw = raw.find((row) => row.user_id === alice.user.id);
		const bobRaw = raw.find((row) => row.user_id === bob.user.id);
		expect(tiers.find((row) => row.tier === 'pro')).toMatchObject({ users: 1, activeUsers: 1, requests: aliceRaw?.requests, costUsd: (aliceRaw?.cost_micros ?? 0) / 1e6 });
		// Free: the admin (no calls) and Bob.
		expect(tiers.find((row) => row.tier === 'free')).toMatchObject({ users: 2, activeUsers: 1, requests: bobRaw?.requests, errors: bobRaw?.errors });
		expect(tiers.find((row) => row.tier === 'basic')).toMatchObject({ users: 0, requests: 0, costUsd: 0 });
	});

	it('errors: the count and the latest failures with their text', async () => {
		const report = await admin.caller.admin.analytics.errors({ range: '24h' });
		const raw = await test.db.prisma.apiUsageLog.findMany({ where: { status: 'error' }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
		expect(report.total).toBe(raw.length);
		expect(report.recent.map((row) => row.id)).toEqual(raw.map((row) => row.id.toString()));
		expect(report.recent[0]).toMatchObject({ email: bob.email, model: 'gpt-4o-mini', endpoint: 'chat' });
		// The text as logged (the readable reason the chat showed), for each row.
		expect(report.recent.map((row) => row.message)).toEqual(raw.map((row) => row.errorMessage));
		expect(report.recent[0]?.message).toMatch(/unavailable|error/i);
	});
});

describe('the rollup tables', () => {
	const EXPECTED_MODEL_ROWS = `
		select date_trunc('hour', created_at, 'UTC') as hour, model, endpoint, count(*)::int as request_count,
		       count(*) filter (where status = 'success')::int as success_count, count(*) filter (where status = 'error')::int as error_count,
		       count(*) filter (where status = 'cancelled')::int as cancelled_count, count(*) filter (where status = 'rate_limited')::int as rate_limited_count,
		       sum(prompt_tokens)::bigint as prompt_tokens, sum(completion_tokens)::bigint as completion_tokens, sum(total_tokens)::bigint as total_tokens,
		       sum(cost_usd)::numeric(14, 6)::text as cost_usd, count(latency_ms)::int as latency_count, coalesce(sum(latency_ms), 0)::bigint as latency_sum_ms,
		       public.latency_histogram(array_agg(latency_ms)) as latency_buckets, count(time_to_first_token_ms)::int as ttft_count,
		       coalesce(sum(time_to_first_token_ms), 0)::bigint as ttft_sum_ms, public.latency_histogram(array_agg(time_to_first_token_ms)) as ttft_buckets
		from public.api_usage_logs group by 1, 2, 3 order by 1, 2, 3`;
	const STORED_MODEL_ROWS = `
		select hour, model, endpoint, request_count, success_count, error_count, cancelled_count, rate_limited_count, prompt_tokens, completion_tokens,
		       total_tokens, cost_usd::text as cost_usd, latency_count, latency_sum_ms, latency_buckets, ttft_count, ttft_sum_ms, ttft_buckets
		from public.usage_model_hourly where request_count > 0 order by 1, 2, 3`;
	const EXPECTED_USER_ROWS = `
		select (created_at at time zone 'UTC')::date as date, user_id, count(*)::int as request_count, count(*) filter (where status = 'error')::int as error_count,
		       sum(total_tokens)::bigint as total_tokens, sum(cost_usd)::numeric(14, 6)::text as cost_usd
		from public.api_usage_logs group by 1, 2 order by 1, 2`;
	const STORED_USER_ROWS = `
		select date, user_id, request_count, error_count, total_tokens, cost_usd::text as cost_usd from public.usage_user_daily where request_count > 0 order by 1, 2`;

	const query = (sql: string) => test.db.withSession((session) => session.query<Record<string, unknown>>(sql));

	it('hold exactly the grouped sums (and histograms) of the log rows, hourly and daily', async () => {
		expect(await query(STORED_MODEL_ROWS)).toEqual(await query(EXPECTED_MODEL_ROWS));
		expect(await query(STORED_USER_ROWS)).toEqual(await query(EXPECTED_USER_ROWS));
		const [daily] = await query(`select sum(request_count)::int as n, sum(cost_usd)::text as cost from public.usage_model_daily`);
		const [hourly] = await query(`select sum(request_count)::int as n, sum(cost_usd)::text as cost from public.usage_model_hourly`);
		expect(daily).toEqual(hourly);
	});

	it('a bulk insert and a deleted account move them the same way, so they still equal the log', async () => {
		const carol = await signedUpCaller(test.db, 'carol');
		await test.db.withSession((session) =>
			session.query(
				`insert into public.api_usage_logs (user_id, endpoint, provider, model, prompt_tokens, completion_tokens, total_tokens, cost_usd, latency_ms, time_to_first_token_ms, status, created_at)
				 select $1::uuid, 'chat', 'openai', 'gpt-4o', 10 * g, g, 11 * g, g / 1000.0, 40 * g, 7 * g, case when g % 5 = 0 then 'error' else 'success' end,
				        now() - make_interval(hours => g)
				 from generate_series(1, 200) as g`,
				[carol.user.id]
			)
		);
		expect(await query(STORED_MODEL_ROWS)).toEqual(await query(EXPECTED_MODEL_ROWS));
		expect(await query(STORED_USER_ROWS)).toEqual(await query(EXPECTED_USER_ROWS));

		await test.db.prisma.user.delete({ where: { id: carol.user.id } });
		expect(await query(STORED_MODEL_ROWS)).toEqual(await query(EXPECTED_MODEL_ROWS));
		expect(await query(STORED_USER_ROWS)).toEqual(await query(EXPECTED_USER_ROWS));
	});

	it('use the bucket bounds the dashboards read them with', async () => {
		const [row] = await query(`select public.latency_bucket_bounds() as bounds`);
		expect(row?.bounds).toEqual(LATENCY_BUCKET_BOUNDS);
	});
});

describe('access', () => {
	const procedures = [
		['admin.analytics.overview', (c: Member['caller']) => c.admin.analytics.overview({ range: '24h' })],
		['admin.analytics.timeseries', (c: Member['caller']) => c.admin.analytics.timeseries({ range: '7d' })],
		['admin.analytics.byModel', (c: Member['caller']) => c.admin.analytics.byModel({ range: '30d' })],
		['admin.analytics.byTier', (c: Member['caller']) => c.admin.analytics.byTier({ range: '90d' })],
		['admin.analytics.topUsers', (c: Member['caller']) => c.admin.analytics.topUsers({ range: '24h' })],
		['admin.analytics.errors', (c: Member['caller']) => c.admin.analytics.errors({ range: '24h' })],
		['admin.system.metrics', (c: Member['caller']) => c.admin.system.metrics({ range: '24h' })]
	] as const;

	it.each(procedures)('%s is FORBIDDEN to a user and refused to anonymous callers', async (_name, call) => {
		await expect(call(alice.caller)).rejects.toMatchObject({ code: 'FORBIDDEN' });
		await expect(call(anonymousCaller(test.db))).rejects.toMatchObject({ code: expect.stringMatching(/^(UNAUTHORIZED|FORBIDDEN)$/) });
		await expect(call(admin.caller)).resolves.toBeDefined();
	});

	it('a range outside the four is a BAD_REQUEST, not a 500', async () => {
		// @ts-expect-error: not one of the ranges
		await expect(admin.caller.admin.analytics.overview({ range: '1y' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
	});

	it('row level security hides the rollups from users even with direct SQL', async () => {
		const { asUser, withAdminPowers } = await import('../../src/lib/server/db');
		expect(await asUser(test.db, alice.user.id, (tx) => tx.usageModelHourly.count())).toBe(0);
		// Not even to an administrator outside the admin procedures (migration 040)…
		expect(await asUser(test.db, admin.user.id, (tx) => tx.usageModelHourly.count())).toBe(0);
		// …and an ordinary user asking for admin powers gets none.
		expect(await withAdminPowers(test.db, alice.user.id, (tx) => tx.usageModelHourly.count())).toBe(0);
		expect(await withAdminPowers(test.db, admin.user.id, (tx) => tx.usageModelHourly.count())).toBeGreaterThan(0);
	});
});

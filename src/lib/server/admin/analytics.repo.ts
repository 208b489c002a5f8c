import type { UserTier } from '$lib/usage/types';
import type { UserTransaction } from '../db';
import { Prisma } from '../db/generated/client';

/**
 * Reads behind the admin dashboards, from the rollups of 027 (never a scan of api_usage_logs,
 * except the latest error rows, which carry the text a rollup can't). Run inside withAdminPowers as the
 * admin: the tables' policies let only admins read them.
 */

export type Grain = 'hour' | 'day';

/** Rollup tables per grain (constants, never input). */
const MODEL_TABLE = { hour: Prisma.raw('public.usage_model_hourly'), day: Prisma.raw('public.usage_model_daily') } as const;
const USER_TABLE = { hour: Prisma.raw('public.usage_user_hourly'), day: Prisma.raw('public.usage_user_daily') } as const;
/** The bucket column of each grain, as a timestamptz (days start at 00:00 UTC). */
const BUCKET = { hour: Prisma.raw('hour'), day: Prisma.raw(`(date::timestamp at time zone 'UTC')`) } as const;
const BUCKET_FILTER = {
	hour: (from: Date) => Prisma.sql`hour >= ${from}`,
	day: (from: Date) => Prisma.sql`date >= (${from}::timestamptz at time zone 'UTC')::date`
} as const;

export interface ModelBucketRow {
	bucket: Date;
	model: string;
	endpoint: string;
	requests: number;
	successes: number;
	errors: number;
	cancelled: number;
	rateLimited: number;
	promptTokens: number;
	completionTokens: number;
	totalTokens: number;
	/** Millionths of a US dollar: integers add up exactly. */
	costMicros: number;
	latencyCount: number;
	latencySumMs: number;
	latencyBuckets: number[];
	ttftCount: number;
	ttftSumMs: number;
	ttftBuckets: number[];
}

/** Every (bucket, model, endpoint) row from `from` on. */
export async function modelBuckets(tx: UserTransaction, grain: Grain, from: Date): Promise<ModelBucketRow[]> {
	return tx.$queryRaw<ModelBucketRow[]>`
		select ${BUCKET[grain]} as bucket, model, endpoint,
		       request_count as requests, success_count as successes, error_count as errors,
		       cancelled_count as cancelled, rate_limited_count as "rateLimited",
		       prompt_tokens::float8 as "promptTokens", completion_tokens::float8 as "completionTokens",
		       total_tokens::float8 as "totalTokens", (cost_usd * 1000000)::float8 as "costMicros",
		       latency_count as "latencyCount", latency_sum_ms::float8 as "latencySumMs", latency_buckets as "latencyBuckets",
		       ttft_count as "ttftCount", ttft_sum_ms::float8 as "ttftSumMs", ttft_buckets as "ttftBuckets"
		from ${MODEL_TABLE[grain]}
		where ${BUCKET_FILTER[grain](from)}
		order by 1, 2, 3`;
}

export interface ActivityRow {
	bucket: Date;
	activeUsers: number;
}

/** Users with at least one call, per bucket: each per-user rollup row is one user in one bucket (027 deletes emptied ones). */
export async function activeUsersPerBucket(tx: UserTransaction, grain: Grain, from: Date): Promise<ActivityRow[]> {
	return tx.$queryRaw<ActivityRow[]>`
		select ${BUCKET[grain]} as bucket, count(*)::int as "activeUsers"
		from ${USER_TABLE[grain]}
		where ${BUCKET_FILTER[grain](from)}
		group by 1`;
}

/** Distinct users with at least one call over the whole range, and every account. */
export async function userCounts(tx: UserTransaction, grain: Grain, from: Date): Promise<{ active: number; total: number }> {
	const [row] = await tx.$queryRaw<{ active: number; total: number }[]>`
		select (select count(distinct user_id)::int from ${USER_TABLE[grain]} where ${BUCKET_FILTER[grain](from)}) as active,
		       (select count(*)::int from public.profiles) as total`;
	return { active: row?.active ?? 0, total: row?.total ?? 0 };
}

export interface UserUsageRow {
	userId: string;
	email: string;
	displayName: string | null;
	tier: UserTier;
	requests: number;
	errors: number;
	totalTokens: number;
	costMicros: number;
}

/** The users who cost the most over the range (ties: more requests first). */
export async function topUsersByCost(tx: UserTransaction, grain: Grain, from: Date, limit: number): Promise<UserUsageRow[]> {
	return tx.$queryRaw<UserUsageRow[]>`
		with per_user as (
			select user_id, sum(request_count)::float8 as requests, sum(error_count)::float8 as errors,
			       sum(total_tokens)::float8 as tokens, sum(cost_usd) as cost
			from ${USER_TABLE[grain]}
			where ${BUCKET_FILTER[grain](from)}
			group by user_id
			order by cost desc, requests desc, user_id
			limit ${limit}
		)
		select u.user_id as "userId", p.email, p.display_name as "displayName", p.tier::text as tier,
		       u.requests, u.errors, u.tokens as "totalTokens", (u.cost * 1000000)::float8 as "costMicros"
		from per_user u
		join public.profiles p on p.id = u.user_id
		order by u.cost desc, u.requests desc, u.user_id`;
}

export interface TierUsageRow {
	tier: UserTier;
	/** Everyone on the tier now. */
	users: number;
	activeUsers: number;
	requests: number;
	errors: number;
	totalTokens: number;
	costMicros: number;
}

/** Usage over the range by each user's current tier (every tier, zeros included). */
export async function usageByTier(tx: UserTransaction, grain: Grain, from: Date): Promise<TierUsageRow[]> {
	return tx.$queryRaw<TierUsageRow[]>`
		with per_user as (
			select user_id, sum(request_count) as requests, sum(error_count) as errors, sum(total_tokens) as tokens, sum(cost_usd) as cost
			from ${USER_TABLE[grain]}
			where ${BUCKET_FILTER[grain](from)}
			group by user_id
		)
		select t.tier::text as tier,
		       count(p.id)::int as users,
		       count(u.user_id) filter (where u.requests > 0)::int as "activeUsers",
		       coalesce(sum(u.requests), 0)::float8 as requests,
		       coalesce(sum(u.errors), 0)::float8 as errors,
		       coalesce(sum(u.tokens), 0)::float8 as "totalTokens",
		       (coalesce(sum(u.cost), 0) * 1000000)::float8 as "costMicros"
		from unnest(enum_range(null::public.user_tier)) as t (tier)
		left join public.profiles p on p.tier = t.tier
		left join per_user u on u.user_id = p.id
		group by t.tier
		order by t.tier`;
}

export interface ErrorRow {
	id: bigint;
	createdAt: Date;
	userId: string;
	email: string | null;
	endpoint: string;
	provider: string;
	model: string;
	latencyMs: number | null;
	errorMessage: string | null;
}

export interface ErrorCursor {
	createdAt: Date;
	id: bigint;
}

/** Failed upstream calls since `from`, newest first, in keyset pages (the partial index of 027). */
export async function errorsSince(tx: UserTransaction, from: Date, limit: number, after: ErrorCursor | null = null): Promise<ErrorRow[]> {
	const page = after ? Prisma.sql`and (l.created_at, l.id) < (${after.createdAt}, ${after.id})` : Prisma.empty;
	return tx.$queryRaw<ErrorRow[]>`
		select l.id, l.created_at as "createdAt", l.user_id as "userId", p.email, l.endpoint, l.provider, l.model,
		       l.latency_ms as "latencyMs", l.error_message as "errorMessage"
		from public.api_usage_logs l
		left join public.profiles p on p.id = l.user_id
		where l.status = 'error' and l.created_at >= ${from} ${page}
		order by l.created_at desc, l.id desc
		limit ${limit}`;
}

export interface ModelInfoRow {
	modelName: string;
	displayName: string;
	provider: string;
	modelType: string;
}

export async function modelCatalogue(tx: UserTransaction): Promise<ModelInfoRow[]> {
	return tx.$queryRaw<ModelInfoRow[]>`
		select model_name as "modelName", display_name as "displayName", provider, model_type as "modelType"
		from public.model_configurations`;
}

// Exports ---------------------------------------------------------------------------------------
// Keyset pages over the daily rollups, so a CSV of any length is read a page at a time.

export interface DailyModelExportRow {
	date: string;
	model: string;
	endpoint: string;
	requests: number;
	successes: number;
	errors: number;
	cancelled: number;
	rateLimited: number;
	promptTokens: number;
	completionTokens: number;
	totalTokens: number;
	costUsd: string;
	latencyCount: number;
	latencySumMs: number;
	latencyBuckets: number[];
	ttftCount: number;
	ttftSumMs: number;
	ttftBuckets: number[];
}

export interface DailyModelCursor {
	date: string;
	model: string;
	endpoint: string;
}

export async function dailyModelPage(tx: UserTransaction, fromDate: string, limit: number, after: DailyModelCursor | null): Promise<DailyModelExportRow[]> {
	const page = after ? Prisma.sql`and (date, model, endpoint) > (${after.date}::date, ${after.model}, ${after.endpoint})` : Prisma.empty;
	return tx.$queryRaw<DailyModelExportRow[]>`
		select to_char(date, 'YYYY-MM-DD') as date, model, endpoint,
		       request_count as requests, success_count as successes, error_count as errors,
		       cancelled_count as cancelled, rate_limited_count as "rateLimited",
		       prompt_tokens::float8 as "promptTokens", completion_tokens::float8 as "completionTokens",
		       total_tokens::float8 as "totalTokens", cost_usd::text as "costUsd",
		       latency_count as "latencyCount", latency_sum_ms::float8 as "latencySumMs", latency_buckets as "latencyBuckets",
		       ttft_count as "ttftCount", ttft_sum_ms::float8 as "ttftSumMs", ttft_buckets as "ttftBuckets"
		from public.usage_model_daily
		where date >= ${fromDate}::date ${page}
		order by date, model, endpoint
		limit ${limit}`;
}

export interface DailyUserExportRow {
	date: string;
	userId: string;
	email: string;
	tier: UserTier;
	requests: number;
	errors: number;
	totalTokens: number;
	costUsd: string;
}

export interface DailyUserCursor {
	date: string;
	userId: string;
}

export async function dailyUserPage(tx: UserTransaction, fromDate: string, limit: number, after: DailyUserCursor | null): Promise<DailyUserExportRow[]> {
	const page = after ? Prisma.sql`and (u.date, u.user_id) > (${after.date}::date, ${after.userId}::uuid)` : Prisma.empty;
	return tx.$queryRaw<DailyUserExportRow[]>`
		select to_char(u.date, 'YYYY-MM-DD') as date, u.user_id as "userId", p.email, p.tier::text as tier,
		       u.request_count as requests, u.error_count as errors, u.total_tokens::float8 as "totalTokens", u.cost_usd::text as "costUsd"
		from public.usage_user_daily u
		join public.profiles p on p.id = u.user_id
		where u.date >= ${fromDate}::date ${page}
		order by u.date, u.user_id
		limit ${limit}`;
}

import type { QuotaKind, UserTier } from '$lib/usage/types';
import type { UserTransaction } from '../db';

/** Reads behind the usage page; run inside asUser (row level security scopes them to the caller). */

type Numeric = { toString(): string } | number | bigint | null;

const num = (value: Numeric): number | null => (value === null ? null : Number(value.toString()));

export interface EffectiveLimits {
	tier: UserTier;
	limits: Record<QuotaKind, number | null>;
	overridden: Set<string>;
}

const TIERS: readonly UserTier[] = ['free', 'basic', 'pro', 'enterprise'];

function toTier(value: string): UserTier {
	return TIERS.find((tier) => tier === value) ?? 'free';
}

export function nextTierOf(tier: UserTier): UserTier | null {
	return TIERS[TIERS.indexOf(tier) + 1] ?? null;
}

interface LimitRow {
	tier: string;
	requests_per_minute: Numeric;
	requests_per_day: Numeric;
	tokens_per_day: Numeric;
	monthly_cost_cap_usd: Numeric;
	max_knowledge_documents: Numeric;
	max_knowledge_document_mb: Numeric;
	overridden?: string[] | null;
}

function toLimits(row: LimitRow): Record<QuotaKind, number | null> {
	return {
		requests_per_minute: num(row.requests_per_minute),
		requests_per_day: num(row.requests_per_day),
		tokens_per_day: num(row.tokens_per_day),
		monthly_cost_usd: num(row.monthly_cost_cap_usd),
		knowledge_documents: num(row.max_knowledge_documents),
		knowledge_document_mb: num(row.max_knowledge_document_mb)
	};
}

export async function effectiveLimits(tx: UserTransaction, userId: string): Promise<EffectiveLimits> {
	const rows = await tx.$queryRaw<LimitRow[]>`
		select tier::text as tier, requests_per_minute, requests_per_day, tokens_per_day, monthly_cost_cap_usd, max_knowledge_documents, public.effective_knowledge_document_mb(${userId}::uuid) as max_knowledge_document_mb, overridden
		from public.effective_limits(${userId}::uuid)`;
	const row = rows[0];
	if (!row) throw new Error('effective_limits returned no row');
	return { tier: toTier(row.tier), limits: toLimits(row), overridden: new Set(row.overridden ?? []) };
}

export async function tierLimits(tx: UserTransaction, tier: UserTier): Promise<Record<QuotaKind, number | null> | null> {
	const rows = await tx.$queryRaw<LimitRow[]>`
		select tier::text as tier, requests_per_minute, requests_per_day, tokens_per_day, monthly_cost_cap_usd, max_knowledge_documents, max_knowledge_document_mb
		from public.tier_limits where tier = ${tier}::public.user_tier`;
	return rows[0] ? toLimits(rows[0]) : null;
}

export interface CurrentUse {
	requestsThisMinute: number;
	requestsToday: number;
	tokensToday: number;
	reservedTokens: number;
	reservedCostUsd: number;
	costThisMonthUsd: number;
	requestsThisMonth: number;
	tokensThisMonth: number;
	costThisMonth: string;
	documents: number;
	minuteResetAt: Date;
	dayResetAt: Date;
	monthResetAt: Date;
}

interface UseRow {
	minute_count: Numeric;
	day_count: Numeric;
	tokens_today: Numeric;
	reserved_tokens: Numeric;
	reserved_cost: Numeric;
	month_requests: Numeric;
	month_tokens: Numeric;
	month_cost: { toFixed(places: number): string } | number | null;
	documents: Numeric;
	minute_reset: Date;
	day_reset: Date;
	month_reset: Date;
}

/** What counts against each limit right now: the same windows reserve_quota() reads. */
export async function currentUse(tx: UserTransaction, userId: string): Promise<CurrentUse> {
	const rows = await tx.$queryRaw<UseRow[]>`
		with w as (
			select public.rate_limit_window_start(60) as minute_start,
			       public.rate_limit_window_start(86400) as day_start,
			       date_trunc('month', now() at time zone 'utc')::date as month_start
		)
		select
			(select coalesce(sum(rl.count), 0) from public.rate_limits rl where rl.user_id = ${userId}::uuid and rl.limit_type = 'requests_per_minute' and rl.window_start = w.minute_start) as minute_count,
			(select coalesce(sum(rl.count), 0) from public.rate_limits rl where rl.user_id = ${userId}::uuid and rl.limit_type = 'requests_per_day' and rl.window_start = w.day_start) as day_count,
			(select coalesce(sum(rl.count), 0) from public.rate_limits rl where rl.user_id = ${userId}::uuid and rl.limit_type = 'tokens_per_day' and rl.window_start = w.day_start) as tokens_today,
			(select coalesce(sum(r.tokens), 0) from public.quota_reservations r where r.user_id = ${userId}::uuid and r.expires_at >= now()) as reserved_tokens,
			(select coalesce(sum(r.cost_usd), 0) from public.quota_reservations r where r.user_id = ${userId}::uuid and r.expires_at >= now()) as reserved_cost,
			(select coalesce(sum(ua.request_count), 0) from public.usage_analytics ua where ua.user_id = ${userId}::uuid and ua.date >= w.month_start) as month_requests,
			(select coalesce(sum(ua.total_tokens), 0) from public.usage_analytics ua where ua.user_id = ${userId}::uuid and ua.date >= w.month_start) as month_tokens,
			(select coalesce(sum(ua.cost_usd), 0)::numeric(14, 6) from public.usage_analytics ua where ua.user_id = ${userId}::uuid and ua.date >= w.month_start) as month_cost,
			(select count(*) from public.knowledge_documents d where d.owner_id = ${userId}::uuid) as documents,
			w.minute_start + interval '60 seconds' as minute_reset,
			w.day_start + interval '1 day' as day_reset,
			((w.month_start + interval '1 month')::timestamp at time zone 'utc') as month_reset
		from w`;
	const row = rows[0];
	if (!row) throw new Error('usage query returned no row');
	const monthCost = row.month_cost === null ? '0.000000' : typeof row.month_cost === 'number' ? row.month_cost.toFixed(6) : row.month_cost.toFixed(6);
	return {
		requestsThisMinute: num(row.minute_count) ?? 0,
		requestsToday: num(row.day_count) ?? 0,
		tokensToday: num(row.tokens_today) ?? 0,
		reservedTokens: num(row.reserved_tokens) ?? 0,
		reservedCostUsd: num(row.reserved_cost) ?? 0,
		costThisMonthUsd: Number(monthCost),
		requestsThisMonth: num(row.month_requests) ?? 0,
		tokensThisMonth: num(row.month_tokens) ?? 0,
		costThisMonth: monthCost,
		documents: num(row.documents) ?? 0,
		minuteResetAt: row.minute_reset,
		dayResetAt: row.day_reset,
		monthResetAt: row.month_reset
	};
}

interface DayRow {
	date: string;
	requests: Numeric;
	tokens: Numeric;
	cost: { toFixed(places: number): string } | number;
	errors: Numeric;
}

/** The caller's last `days` UTC days from the daily rollups, every day present (zeros included). */
export async function usageHistory(tx: UserTransaction, userId: string, days: number) {
	const rows = await tx.$queryRaw<DayRow[]>`
		with days as (
			select generate_series((now() at time zone 'utc')::date - (${days}::int - 1), (now() at time zone 'utc')::date, interval '1 day')::date as date
		)
		select to_char(d.date, 'YYYY-MM-DD') as date,
		       coalesce(sum(ua.request_count), 0) as requests,
		       coalesce(sum(ua.total_tokens), 0) as tokens,
		       coalesce(sum(ua.cost_usd), 0)::numeric(14, 6) as cost,
		       coalesce(sum(ua.error_count), 0) as errors
		from days d
		left join public.usage_analytics ua on ua.date = d.date and ua.user_id = ${userId}::uuid
		group by d.date
		order by d.date`;
	return rows.map((row) => ({
		date: row.date,
		requests: num(row.requests) ?? 0,
		tokens: num(row.tokens) ?? 0,
		costUsd: typeof row.cost === 'number' ? row.cost.toFixed(6) : row.cost.toFixed(6),
		errors: num(row.errors) ?? 0
	}));
}

import type { Database, UserTransaction } from '../db';

export interface RateLimitDecision {
	allowed: boolean;
	currentCount: number;
	/** null when the limit is unlimited. */
	remaining: number | null;
	resetAt: Date | null;
}

export interface RateLimitCheck {
	userId: string;
	limitType: string;
	maxCount: number;
	windowSeconds: number;
	increment?: number;
}

type Queryable = Pick<UserTransaction, '$queryRaw'>;

interface DecisionRow {
	allowed: boolean;
	current_count: bigint | number | null;
	remaining: bigint | number | null;
	reset_at: Date | null;
}

function toDecision(row: DecisionRow | undefined): RateLimitDecision {
	if (!row) throw new Error('check_rate_limit returned no row');
	return {
		allowed: row.allowed,
		currentCount: Number(row.current_count ?? 0),
		remaining: row.remaining === null ? null : Number(row.remaining),
		resetAt: row.reset_at
	};
}

/** Atomically counts `increment` against a fixed window and says whether it fits (SQL: check_rate_limit). */
export async function checkRateLimit(db: Database | Queryable, check: RateLimitCheck): Promise<RateLimitDecision> {
	const client = 'prisma' in db ? db.prisma : db;
	const rows = await client.$queryRaw<DecisionRow[]>`
		select allowed, current_count, remaining, reset_at
		from public.check_rate_limit(${check.userId}::uuid, ${check.limitType}, ${check.maxCount}::bigint, ${check.windowSeconds}::int, ${check.increment ?? 1}::bigint)`;
	return toDecision(rows[0]);
}

export type QuotaKind = 'requests_per_minute' | 'requests_per_day' | 'tokens_per_day';

/** The same, with the limit and window taken from the user's tier (SQL: check_user_quota). */
export async function checkUserQuota(db: Database | Queryable, userId: string, kind: QuotaKind, increment = 1): Promise<RateLimitDecision> {
	const client = 'prisma' in db ? db.prisma : db;
	const rows = await client.$queryRaw<DecisionRow[]>`
		select allowed, current_count, remaining, reset_at from public.check_user_quota(${userId}::uuid, ${kind}, ${increment}::bigint)`;
	return toDecision(rows[0]);
}

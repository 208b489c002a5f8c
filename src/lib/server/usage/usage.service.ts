import { QUOTA_KINDS, type LimitStatus, type QuotaKind, type UsageSummary } from '$lib/usage/types';
import { asUser, type Database } from '../db';
import { currentUse, effectiveLimits, nextTierOf, tierLimits, usageHistory, type CurrentUse } from './usage.repo';

const HISTORY_DAYS = 30;

function usedOf(kind: QuotaKind, use: CurrentUse): { used: number; resetAt: Date | null } {
	switch (kind) {
		case 'requests_per_minute':
			return { used: use.requestsThisMinute, resetAt: use.minuteResetAt };
		case 'requests_per_day':
			return { used: use.requestsToday, resetAt: use.dayResetAt };
		case 'tokens_per_day':
			// Reserved tokens are as good as spent until their calls settle.
			return { used: use.tokensToday + use.reservedTokens, resetAt: use.dayResetAt };
		case 'monthly_cost_usd':
			return { used: Math.round((use.costThisMonthUsd + use.reservedCostUsd) * 1e6) / 1e6, resetAt: use.monthResetAt };
		case 'knowledge_documents':
			return { used: use.documents, resetAt: null };
		case 'knowledge_document_mb':
			return { used: 0, resetAt: null };
	}
}

/** The caller's tier, each limit with what is used and when it resets, this month, the last 30 days and the next tier. */
export function usageSummary(db: Database, userId: string): Promise<UsageSummary> {
	return asUser(db, userId, async (tx) => {
		const effective = await effectiveLimits(tx, userId);
		const use = await currentUse(tx, userId);
		const limits: LimitStatus[] = QUOTA_KINDS.map((kind) => {
			const limit = effective.limits[kind];
			const { used, resetAt } = usedOf(kind, use);
			return { kind, limit, used, remaining: limit === null ? null : Math.max(0, limit - used), resetAt, overridden: effective.overridden.has(kind) };
		});
		const next = nextTierOf(effective.tier);
		const nextLimits = next ? await tierLimits(tx, next) : null;
		return {
			tier: effective.tier,
			limits,
			month: { requests: use.requestsThisMonth, tokens: use.tokensThisMonth, costUsd: use.costThisMonth },
			history: await usageHistory(tx, userId, HISTORY_DAYS),
			nextTier: next && nextLimits ? { tier: next, limits: QUOTA_KINDS.map((kind) => ({ kind, limit: nextLimits[kind] })) } : null
		};
	});
}

/**
 * Quotas and usage as the API returns them: plain data shared by the server and the pages.
 */

/** Every limit a tier (or a per-user override) can set. */
export type QuotaKind = 'requests_per_minute' | 'requests_per_day' | 'tokens_per_day' | 'monthly_cost_usd' | 'knowledge_documents' | 'knowledge_document_mb';

/** The limits with a running count behind them (the usage page's list); `knowledge_document_mb` caps one document's size. */
export const QUOTA_KINDS = ['requests_per_minute', 'requests_per_day', 'tokens_per_day', 'monthly_cost_usd', 'knowledge_documents'] as const satisfies readonly QuotaKind[];

/** Why a call was refused: tRPC `TOO_MANY_REQUESTS` carries it as `data.quota`. */
export interface QuotaRefusal {
	kind: QuotaKind;
	/** The limit in its unit: requests, tokens, US dollars, documents or megabytes (MiB). */
	limit: number;
	used: number;
	/** When the window resets; null for limits that don't reset (documents). */
	resetAt: Date | null;
	/** Whole seconds until `resetAt` (0 when it doesn't reset). */
	retryAfterSeconds: number;
}

/** A limit at 80 % or more once a call is booked: the UI warns before the user hits it. */
export interface QuotaWarning {
	kind: QuotaKind;
	limit: number;
	used: number;
	resetAt: Date | null;
}

export type UserTier = 'free' | 'basic' | 'pro' | 'enterprise';

export interface LimitStatus {
	kind: QuotaKind;
	/** null: unlimited. */
	limit: number | null;
	used: number;
	/** null: unlimited. */
	remaining: number | null;
	resetAt: Date | null;
	/** Set for this user by an administrator, instead of the tier's value. */
	overridden: boolean;
}

export interface UsageDay {
	/** UTC day, YYYY-MM-DD. */
	date: string;
	requests: number;
	tokens: number;
	/** US dollars as a decimal string. */
	costUsd: string;
	errors: number;
}

export interface UsageSummary {
	tier: UserTier;
	limits: LimitStatus[];
	month: { requests: number; tokens: number; costUsd: string };
	/** The last 30 UTC days, oldest first, including days without usage. */
	history: UsageDay[];
	/** The next tier up and its limits, or null on the top tier. */
	nextTier: { tier: UserTier; limits: { kind: QuotaKind; limit: number | null }[] } | null;
}

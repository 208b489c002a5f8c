import type { UserTransaction } from '../db';

type Queryable = Pick<UserTransaction, '$queryRaw'>;

/** What went upstream, for `api_usage_logs` (and, through it, the daily rollups and the token quota). */
export interface UsageEntry {
	userId: string;
	/** 'chat', 'chat.title', 'embedding', 'model.test'… */
	endpoint: string;
	provider: string;
	model: string;
	promptTokens: number;
	completionTokens: number;
	/** US dollars, decimal string with 6 places. */
	costUsd: string;
	latencyMs: number | null;
	timeToFirstTokenMs: number | null;
	status: 'success' | 'error' | 'cancelled' | 'rate_limited';
	errorMessage: string | null;
	sessionId: string | null;
	messageId: string | null;
}

/**
 * The one caller of log_api_usage(): one row per upstream call (or refusal), folded into
 * usage_analytics in the same statement, so rollups always equal the raw sums.
 */
export async function logApiUsage(tx: Queryable, entry: UsageEntry): Promise<void> {
	await tx.$queryRaw`select public.log_api_usage(
		${entry.userId}::uuid, ${entry.endpoint}, ${entry.provider}, ${entry.model},
		${entry.promptTokens}::int, ${entry.completionTokens}::int, ${entry.costUsd}::numeric, ${entry.latencyMs}::int,
		${entry.status}, ${entry.errorMessage}, ${entry.sessionId}::uuid, ${entry.messageId}::uuid, ${entry.timeToFirstTokenMs}::int)`;
}

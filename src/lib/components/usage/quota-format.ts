import type { QuotaKind } from '$lib/usage/types';

/** Names of limits as people say them. */
export const LIMIT_LABELS: Record<QuotaKind, string> = {
	requests_per_minute: 'Messages this minute',
	requests_per_day: 'Messages today',
	tokens_per_day: 'Tokens today',
	monthly_cost_usd: 'Spending this month',
	knowledge_documents: 'Knowledge base documents',
	knowledge_document_mb: 'Largest knowledge base document (MB)'
};

export function formatLimitValue(kind: QuotaKind, value: number): string {
	if (kind === 'monthly_cost_usd') return `$${value.toFixed(value < 1 ? 4 : 2)}`;
	return Math.round(value).toLocaleString('en-US');
}

/** "42 s", "3 min", "5 h", "2 days". */
export function formatCountdown(seconds: number): string {
	if (seconds < 60) return `${Math.max(0, Math.ceil(seconds))} s`;
	if (seconds < 3600) return `${Math.ceil(seconds / 60)} min`;
	if (seconds < 2 * 86400) return `${Math.ceil(seconds / 3600)} h`;
	return `${Math.ceil(seconds / 86400)} days`;
}

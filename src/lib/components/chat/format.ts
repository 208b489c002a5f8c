/** How numbers about messages are written in the chat UI. */

export function formatTokens(count: number): string {
	return count.toLocaleString('en');
}

/** "$0.0012", "$1.50", "< $0.0001"; costs are decimal strings from the server. */
export function formatCost(usd: string | null): string | null {
	if (usd === null) return null;
	const value = Number(usd);
	if (!Number.isFinite(value)) return null;
	if (value === 0) return '$0';
	if (value < 0.0001) return '< $0.0001';
	if (value < 0.01) return `$${value.toFixed(4)}`;
	return `$${value.toFixed(2)}`;
}

export function formatDuration(ms: number | null): string | null {
	if (ms === null) return null;
	if (ms < 1000) return `${Math.round(ms)} ms`;
	return `${(ms / 1000).toFixed(1)} s`;
}

export function formatDate(date: Date): string {
	return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A calendar day, the same on the server and in the browser (the share page renders on both). */
export function formatDay(date: Date): string {
	return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** Number formats shared by the admin dashboards (en-US, like the rest of the app). */

export const formatCount = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** Small amounts keep four decimals (a few cents of tokens), large ones two. */
export const formatUsd = (value: number) => `$${value.toLocaleString('en-US', { minimumFractionDigits: value !== 0 && Math.abs(value) < 1 ? 4 : 2, maximumFractionDigits: value !== 0 && Math.abs(value) < 1 ? 4 : 2 })}`;

export const formatPercent = (value: number | null) => (value === null ? '–' : `${(value * 100).toLocaleString('en-US', { maximumFractionDigits: value < 0.1 ? 2 : 1 })} %`);

export function formatMs(value: number | null): string {
	if (value === null) return '–';
	if (value >= 10_000) return `${(value / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} s`;
	return `${value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 2 : 0 })} ms`;
}

export function formatBytes(value: number): string {
	const units = ['B', 'KB', 'MB', 'GB', 'TB'];
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 1 : 0 })} ${units[unit]}`;
}

/** An hour's label in UTC ("14:00"), or a day's ("2026-03-09"). */
export function formatBucket(seconds: number, grain: 'hour' | 'day' | 'minute'): string {
	const iso = new Date(seconds * 1000).toISOString();
	return grain === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

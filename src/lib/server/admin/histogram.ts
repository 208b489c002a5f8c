/**
 * Latency histograms as the rollups store them (027): counts per fixed bucket, which add up
 * across hours, models and users where percentiles can't.
 */

/** Lower bounds (ms) of the buckets; must equal public.latency_bucket_bounds() (a test checks). */
export const LATENCY_BUCKET_BOUNDS: readonly number[] = [
	0, 5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 400, 500, 650, 800, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000, 6500, 8000, 10000,
	12500, 15000, 20000, 25000, 30000, 45000, 60000, 90000, 120000, 180000, 300000
];

export type Histogram = readonly number[];

export function emptyHistogram(): number[] {
	return LATENCY_BUCKET_BOUNDS.map(() => 0);
}

/** Adds `from` into `into` (same bounds), in place. */
export function addHistogram(into: number[], from: Histogram): void {
	for (let i = 0; i < into.length; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
}

/**
 * The q-quantile (0–1) in ms, interpolated linearly inside its bucket; null without values. The
 * open-ended last bucket answers its lower bound. Accurate to a fraction of a bucket's width.
 */
export function quantile(histogram: Histogram, q: number): number | null {
	const total = histogram.reduce((sum, count) => sum + count, 0);
	if (total <= 0) return null;
	const target = Math.min(Math.max(q, 0), 1) * total;
	let below = 0;
	for (let i = 0; i < histogram.length; i++) {
		const count = histogram[i] ?? 0;
		if (count > 0 && below + count >= target) {
			const low = LATENCY_BUCKET_BOUNDS[i] ?? 0;
			const high = LATENCY_BUCKET_BOUNDS[i + 1];
			if (high === undefined) return low;
			return Math.round(low + ((high - low) * (target - below)) / count);
		}
		below += count;
	}
	return LATENCY_BUCKET_BOUNDS.at(-1) ?? null;
}

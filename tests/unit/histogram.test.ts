import { describe, expect, it } from 'vitest';
import { addHistogram, emptyHistogram, LATENCY_BUCKET_BOUNDS, quantile } from '../../src/lib/server/admin/histogram';

/** Counts per bucket, as latency_histogram() in 027 builds them. */
function histogramOf(values: number[]): number[] {
	const counts = emptyHistogram();
	for (const value of values) {
		const i = LATENCY_BUCKET_BOUNDS.findLastIndex((bound) => bound <= value);
		counts[i] = (counts[i] ?? 0) + 1;
	}
	return counts;
}

function exact(values: number[], q: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

describe('latency histograms', () => {
	it('have no quantile when empty', () => {
		expect(quantile(emptyHistogram(), 0.5)).toBeNull();
	});

	it('estimate p50 and p95 of a wide, skewed distribution within 15 %', () => {
		// Log-uniform from 50 ms to 20 s, deterministic.
		const values = Array.from({ length: 10_000 }, (_, i) => Math.round(50 * Math.pow(400, ((i * 7919) % 10_000) / 10_000)));
		const histogram = histogramOf(values);
		for (const q of [0.5, 0.95]) {
			const estimate = quantile(histogram, q) ?? 0;
			expect(Math.abs(estimate - exact(values, q)) / exact(values, q)).toBeLessThan(0.15);
		}
	});

	it('add up: the merged histogram of two halves equals the histogram of the whole', () => {
		const a = [10, 120, 130, 900, 4_000];
		const b = [15, 2_500, 61_000, 400_000];
		const merged = histogramOf(a);
		addHistogram(merged, histogramOf(b));
		expect(merged).toEqual(histogramOf([...a, ...b]));
		// Past the last bound (300 s), the estimate is that bound.
		expect(quantile(histogramOf([400_000]), 0.5)).toBe(300_000);
	});
});

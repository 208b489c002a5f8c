import type { SystemRange } from '$lib/schemas/admin-analytics';
import { withAdminPowers, type Database } from '../db';
import { checkHealth, type HealthReport } from '../health/health.service';
import { SAMPLED_METRICS, type SampledMetric } from '../metrics';
import { latestMetrics, metricBuckets } from './system.repo';

const MINUTE_MS = 60_000;

/** How far back each range looks and how wide its points are (about 60–300 points a chart). */
const RANGE_SHAPE: Record<SystemRange, { spanMs: number; stepSeconds: number }> = {
	'1h': { spanMs: 60 * MINUTE_MS, stepSeconds: 60 },
	'24h': { spanMs: 24 * 60 * MINUTE_MS, stepSeconds: 300 },
	'7d': { spanMs: 7 * 24 * 60 * MINUTE_MS, stepSeconds: 3600 }
};

export interface MetricSeries {
	name: SampledMetric;
	/** Average of the minute samples in each interval (null: no sample). */
	avg: (number | null)[];
	/** Highest minute sample in each interval. */
	max: (number | null)[];
}

export interface SystemMetrics {
	range: SystemRange;
	stepSeconds: number;
	/** Interval starts, Unix seconds, every interval of the range (gaps are nulls). */
	x: number[];
	/** One per sampled metric, in SAMPLED_METRICS order. */
	series: MetricSeries[];
	/** Newest sample of each metric in the last day (per-process metrics summed over processes). */
	latest: Partial<Record<SampledMetric, { value: number; recordedAt: Date }>>;
	/** When the sampler last wrote; null if it hasn't in a day (the job queue may be stopped). */
	lastSampleAt: Date | null;
	health: HealthReport;
}

function isSampledMetric(name: string): name is SampledMetric {
	return SAMPLED_METRICS.some((metric) => metric === name);
}

export async function systemMetrics(db: Database, adminId: string, range: SystemRange, now: number): Promise<SystemMetrics> {
	const { spanMs, stepSeconds } = RANGE_SHAPE[range];
	const stepMs = stepSeconds * 1000;
	const last = Math.floor(now / stepMs) * stepMs;
	const count = Math.round(spanMs / stepMs);
	const starts = Array.from({ length: count }, (_, i) => last - (count - 1 - i) * stepMs);
	const index = new Map(starts.map((start, i) => [start, i]));
	const from = new Date(starts[0] ?? last);

	const { rows, latestRows } = await withAdminPowers(db, adminId, async (tx) => ({
		rows: await metricBuckets(tx, SAMPLED_METRICS, from, stepSeconds),
		latestRows: await latestMetrics(tx, SAMPLED_METRICS)
	}));

	const series: MetricSeries[] = SAMPLED_METRICS.map((name) => ({ name, avg: starts.map(() => null), max: starts.map(() => null) }));
	const byName = new Map(series.map((entry) => [entry.name, entry]));
	for (const row of rows) {
		const i = index.get(row.bucket.getTime());
		const entry = isSampledMetric(row.name) ? byName.get(row.name) : undefined;
		if (i === undefined || !entry) continue;
		entry.avg[i] = row.avg;
		entry.max[i] = row.max;
	}
	const latest: SystemMetrics['latest'] = {};
	let lastSampleAt: Date | null = null;
	for (const row of latestRows) {
		if (!isSampledMetric(row.name)) continue;
		latest[row.name] = { value: row.value, recordedAt: row.recordedAt };
		if (!lastSampleAt || row.recordedAt > lastSampleAt) lastSampleAt = row.recordedAt;
	}
	return { range, stepSeconds, x: starts.map((start) => start / 1000), series, latest, lastSampleAt, health: await checkHealth(async () => db) };
}

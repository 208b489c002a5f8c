import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../db';
import { REPORT_INTERVAL_MS } from './instance';
import {
	countActiveUsers,
	databaseRoundTripMs,
	databaseSizeBytes,
	deleteInstanceMinutesBefore,
	deleteSystemMetricsBefore,
	insertSystemMetrics,
	listInstanceMinute,
	summariseUpstreamCalls,
	type SystemMetricRow
} from './metrics.repo';

const MINUTE_MS = 60_000;
/** Users count as active for this long after they were last seen (sessions refresh every 5 min). */
export const ACTIVE_USER_WINDOW_MS = 15 * MINUTE_MS;
/** instance_minute_stats is scratch space for the sampler: a day is plenty for debugging. */
const INSTANCE_ROWS_KEPT_MS = 24 * 60 * MINUTE_MS;

/**
 * What the sampler writes each minute. Cluster-wide unless noted; `upstream_*` percentiles only
 * when there were calls in the minute; `process_*` and `event_loop_*` once per app process, with
 * `labels.instance`.
 */
export const SAMPLED_METRICS = [
	'http_requests',
	'http_errors',
	'http_error_rate',
	'upstream_calls',
	'upstream_latency_p50_ms',
	'upstream_latency_p95_ms',
	'upstream_ttft_p50_ms',
	'upstream_ttft_p95_ms',
	'active_users',
	'active_streams',
	'app_instances',
	'db_size_bytes',
	'db_round_trip_ms',
	'process_rss_bytes',
	'process_heap_used_bytes',
	'event_loop_delay_p99_ms'
] as const;

export type SampledMetric = (typeof SAMPLED_METRICS)[number];

interface Sample extends SystemMetricRow {
	name: SampledMetric;
}

/**
 * Writes the figures of the minute starting at `windowStart` into system_metrics, stamped with
 * the minute's end. Run by the once-per-cluster 'metrics.sample' job; callable directly in tests.
 */
export async function sampleSystemMetrics(db: Database, windowStart: Date): Promise<Sample[]> {
	const windowEnd = new Date(windowStart.getTime() + MINUTE_MS);
	const [instances, upstream, activeUsers, dbSize, roundTrip] = [
		await listInstanceMinute(db, windowStart),
		await summariseUpstreamCalls(db, windowStart, windowEnd),
		await countActiveUsers(db, new Date(windowEnd.getTime() - ACTIVE_USER_WINDOW_MS)),
		await databaseSizeBytes(db),
		await databaseRoundTripMs(db)
	];
	const requests = sum(instances.map((row) => row.requests));
	const errors = sum(instances.map((row) => row.errors));
	const samples: Sample[] = [
		{ name: 'http_requests', value: requests },
		{ name: 'http_errors', value: errors },
		{ name: 'http_error_rate', value: requests > 0 ? errors / requests : 0 },
		{ name: 'upstream_calls', value: upstream.calls },
		...optional('upstream_latency_p50_ms', upstream.latencyP50Ms),
		...optional('upstream_latency_p95_ms', upstream.latencyP95Ms),
		...optional('upstream_ttft_p50_ms', upstream.ttftP50Ms),
		...optional('upstream_ttft_p95_ms', upstream.ttftP95Ms),
		{ name: 'active_users', value: activeUsers },
		{ name: 'active_streams', value: sum(instances.map((row) => row.peakStreams)) },
		{ name: 'app_instances', value: instances.length },
		{ name: 'db_size_bytes', value: dbSize },
		{ name: 'db_round_trip_ms', value: Math.round(roundTrip * 1000) / 1000 },
		...instances.flatMap((row): Sample[] => [
			{ name: 'process_rss_bytes', value: row.rssBytes, labels: { instance: row.instanceId } },
			{ name: 'process_heap_used_bytes', value: row.heapUsedBytes, labels: { instance: row.instanceId } },
			{ name: 'event_loop_delay_p99_ms', value: row.eventLoopDelayP99Ms, labels: { instance: row.instanceId } }
		])
	];
	await insertSystemMetrics(db, windowEnd, samples);
	return samples;
}

/**
 * The recurring job: samples the minute that just ended. It first waits until every process has
 * had a chance to add that minute's last counts (they report every REPORT_INTERVAL_MS), so each
 * run reports one whole minute, and then drops instance rows older than a day.
 */
export async function runMetricsSampler(db: Database, now: () => number = Date.now): Promise<void> {
	const minuteStart = Math.floor(now() / MINUTE_MS) * MINUTE_MS;
	const settled = minuteStart + REPORT_INTERVAL_MS + 2_000;
	if (now() < settled) await sleep(settled - now(), undefined, { ref: false });
	await sampleSystemMetrics(db, new Date(minuteStart - MINUTE_MS));
	await deleteInstanceMinutesBefore(db, new Date(minuteStart - INSTANCE_ROWS_KEPT_MS));
}

function optional(name: SampledMetric, value: number | null): Sample[] {
	return value === null ? [] : [{ name, value: Math.round(value * 10) / 10 }];
}

function sum(values: number[]): number {
	return values.reduce((total, value) => total + value, 0);
}

export function purgeExpiredSystemMetrics(db: Database, days: number, now = new Date()): Promise<number> {
	return deleteSystemMetricsBefore(db, new Date(now.getTime() - days * 24 * MINUTE_MS * 60));
}

import type { Database } from '../db';

/** The figures one process adds to its row for one minute (counts add up; gauges keep the peak). */
export interface InstanceMinuteDelta {
	minute: Date;
	instanceId: string;
	requests: number;
	errors: number;
	peakStreams: number;
	rssBytes: number;
	heapUsedBytes: number;
	eventLoopDelayP99Ms: number;
}

export async function addInstanceMinute(db: Database, delta: InstanceMinuteDelta): Promise<void> {
	await db.prisma.$executeRaw`
		insert into public.instance_minute_stats as s
			(minute, instance_id, requests, errors, peak_streams, rss_bytes, heap_used_bytes, event_loop_delay_p99_ms)
		values (${delta.minute}, ${delta.instanceId}, ${delta.requests}, ${delta.errors}, ${delta.peakStreams},
		        ${Math.round(delta.rssBytes)}::bigint, ${Math.round(delta.heapUsedBytes)}::bigint, ${delta.eventLoopDelayP99Ms})
		on conflict (minute, instance_id) do update set
			requests = s.requests + excluded.requests,
			errors = s.errors + excluded.errors,
			peak_streams = greatest(s.peak_streams, excluded.peak_streams),
			rss_bytes = greatest(s.rss_bytes, excluded.rss_bytes),
			heap_used_bytes = greatest(s.heap_used_bytes, excluded.heap_used_bytes),
			event_loop_delay_p99_ms = greatest(s.event_loop_delay_p99_ms, excluded.event_loop_delay_p99_ms),
			updated_at = now()`;
}

export interface InstanceMinuteRow {
	instanceId: string;
	requests: number;
	errors: number;
	peakStreams: number;
	rssBytes: number;
	heapUsedBytes: number;
	eventLoopDelayP99Ms: number;
}

export async function listInstanceMinute(db: Database, minute: Date): Promise<InstanceMinuteRow[]> {
	const rows = await db.prisma.instanceMinuteStat.findMany({ where: { minute }, orderBy: { instanceId: 'asc' } });
	return rows.map((row) => ({
		instanceId: row.instanceId,
		requests: row.requests,
		errors: row.errors,
		peakStreams: row.peakStreams,
		rssBytes: Number(row.rssBytes),
		heapUsedBytes: Number(row.heapUsedBytes),
		eventLoopDelayP99Ms: row.eventLoopDelayP99Ms
	}));
}

export async function deleteInstanceMinutesBefore(db: Database, before: Date): Promise<number> {
	return (await db.prisma.instanceMinuteStat.deleteMany({ where: { minute: { lt: before } } })).count;
}

export interface UpstreamSummary {
	calls: number;
	latencyP50Ms: number | null;
	latencyP95Ms: number | null;
	ttftP50Ms: number | null;
	ttftP95Ms: number | null;
}

/** Model calls logged in [from, to): count and latency / time-to-first-token percentiles. */
export async function summariseUpstreamCalls(db: Database, from: Date, to: Date): Promise<UpstreamSummary> {
	const [row] = await db.prisma.$queryRaw<
		{ calls: number; latency_p50: number | null; latency_p95: number | null; ttft_p50: number | null; ttft_p95: number | null }[]
	>`
		select count(*)::int as calls,
		       percentile_cont(0.5) within group (order by latency_ms) as latency_p50,
		       percentile_cont(0.95) within group (order by latency_ms) as latency_p95,
		       percentile_cont(0.5) within group (order by time_to_first_token_ms) as ttft_p50,
		       percentile_cont(0.95) within group (order by time_to_first_token_ms) as ttft_p95
		from public.api_usage_logs
		where created_at >= ${from} and created_at < ${to}`;
	return {
		calls: row?.calls ?? 0,
		latencyP50Ms: row?.latency_p50 ?? null,
		latencyP95Ms: row?.latency_p95 ?? null,
		ttftP50Ms: row?.ttft_p50 ?? null,
		ttftP95Ms: row?.ttft_p95 ?? null
	};
}

/**
 * Distinct users seen since `since`: a session or API token used (both refreshed at most every
 * five minutes, so look back at least that far) or a model call made.
 */
export async function countActiveUsers(db: Database, since: Date): Promise<number> {
	const [row] = await db.prisma.$queryRaw<{ users: number }[]>`
		select count(distinct user_id)::int as users from (
			select user_id from auth.sessions where last_seen_at >= ${since}
			union select user_id from auth.api_tokens where last_used_at >= ${since}
			union select user_id from public.api_usage_logs where created_at >= ${since}
		) as seen`;
	return row?.users ?? 0;
}

export async function databaseSizeBytes(db: Database): Promise<number> {
	const [row] = await db.prisma.$queryRaw<{ bytes: bigint }[]>`select pg_database_size(current_database()) as bytes`;
	return Number(row?.bytes ?? 0);
}

/** Milliseconds for one `select 1` on a session of its own (the pool's or the embedded instance). */
export async function databaseRoundTripMs(db: Database): Promise<number> {
	return db.withSession(async (session) => {
		const started = performance.now();
		await session.query('select 1');
		return performance.now() - started;
	});
}

export interface SystemMetricRow {
	name: string;
	value: number;
	labels?: Record<string, string>;
}

export async function insertSystemMetrics(db: Database, recordedAt: Date, rows: readonly SystemMetricRow[]): Promise<void> {
	if (rows.length === 0) return;
	await db.prisma.systemMetric.createMany({
		data: rows.map((row) => ({ metricName: row.name, metricValue: row.value, labels: row.labels ?? {}, recordedAt }))
	});
}

export async function deleteSystemMetricsBefore(db: Database, before: Date): Promise<number> {
	return (await db.prisma.systemMetric.deleteMany({ where: { recordedAt: { lt: before } } })).count;
}

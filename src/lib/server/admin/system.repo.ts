import type { UserTransaction } from '../db';

/** Reads of system_metrics (one row per metric per minute, written by the metrics sampler) for the system page. */

export interface MetricBucketRow {
	bucket: Date;
	name: string;
	avg: number;
	max: number;
}

/** Each metric's average and highest value per `stepSeconds` interval since `from`. */
export async function metricBuckets(tx: UserTransaction, names: readonly string[], from: Date, stepSeconds: number): Promise<MetricBucketRow[]> {
	return tx.$queryRaw<MetricBucketRow[]>`
		select date_bin(make_interval(secs => ${stepSeconds}), recorded_at, timestamptz '2000-01-01 00:00:00+00') as bucket,
		       metric_name as name, avg(metric_value)::float8 as avg, max(metric_value)::float8 as max
		from public.system_metrics
		where recorded_at >= ${from} and metric_name = any(${[...names]}::text[])
		group by 1, 2
		order by 1, 2`;
}

export interface LatestMetricRow {
	name: string;
	value: number;
	recordedAt: Date;
}

/** The newest sample of each metric (summed over app processes for per-process ones). */
export async function latestMetrics(tx: UserTransaction, names: readonly string[]): Promise<LatestMetricRow[]> {
	return tx.$queryRaw<LatestMetricRow[]>`
		with latest as (
			select metric_name, max(recorded_at) as recorded_at
			from public.system_metrics
			where metric_name = any(${[...names]}::text[]) and recorded_at > now() - interval '1 day'
			group by metric_name
		)
		select m.metric_name as name, sum(m.metric_value)::float8 as value, l.recorded_at as "recordedAt"
		from latest l
		join public.system_metrics m on m.metric_name = l.metric_name and m.recorded_at = l.recorded_at
		group by m.metric_name, l.recorded_at`;
}

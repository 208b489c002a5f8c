import type { Database } from '../db';
import { InstanceReporter } from './instance';
import { observeHttpRequest } from './registry';

export { observeUpstreamCall, type UpstreamCall } from './registry';
export { renderMetrics, METRICS_CONTENT_TYPE } from './cluster';
export { metricsResponse } from './endpoint';
export { purgeExpiredSystemMetrics, runMetricsSampler, sampleSystemMetrics, SAMPLED_METRICS, type SampledMetric } from './sampler';
export { instanceId } from './instance';

let reporter: InstanceReporter | null = null;

/** Starts this process's per-minute report (instance_minute_stats); once per process, at boot. */
export function startInstanceReporting(db: Database): void {
	reporter ??= new InstanceReporter(db).start();
}

export async function stopInstanceReporting(): Promise<void> {
	const current = reporter;
	reporter = null;
	await current?.stop();
}

/** Counts one served request in Prometheus and in this process's per-minute report. */
export function recordHttpRequest(method: string, status: number, seconds: number): void {
	observeHttpRequest(method, status, seconds);
	reporter?.recordRequest(status >= 500);
}

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { liveGenerations } from '../chat/stream-hub';

/**
 * This process's Prometheus metrics. Counters and histograms are per process (scrape every
 * instance; Prometheus sums them); the cluster-wide figures sampled into system_metrics are in
 * sampler.ts.
 */
export const registry = new Registry();
// Memory, CPU, GC, handles and event-loop delay (nodejs_eventloop_lag_*) of this process.
collectDefaultMetrics({ register: registry });

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export const httpRequests = new Counter({
	name: 'airassist_http_requests_total',
	help: 'HTTP requests served (except /healthz and /metrics), by method and status class',
	labelNames: ['method', 'status'] as const,
	registers: [registry]
});

export const httpRequestDuration = new Histogram({
	name: 'airassist_http_request_duration_seconds',
	help: 'Time to the response headers (streams count until their first byte)',
	buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
	registers: [registry]
});

const UPSTREAM_LABELS = ['endpoint', 'provider', 'model', 'status'] as const;

export const upstreamLatency = new Histogram({
	name: 'airassist_upstream_latency_seconds',
	help: 'Duration of model calls, start to last byte',
	labelNames: UPSTREAM_LABELS,
	buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
	registers: [registry]
});

export const upstreamTimeToFirstToken = new Histogram({
	name: 'airassist_upstream_time_to_first_token_seconds',
	help: 'Time from sending a model call to its first streamed token',
	labelNames: UPSTREAM_LABELS,
	buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
	registers: [registry]
});

new Gauge({
	name: 'airassist_active_streams',
	help: 'Answers this process is generating right now',
	registers: [registry],
	collect() {
		this.set(liveGenerations.size());
	}
});

export const analyticsEventsRecorded = new Counter({
	name: 'airassist_analytics_events_recorded_total',
	help: 'Analytics events written to analytics_events',
	registers: [registry]
});

export const analyticsEventsDropped = new Counter({
	name: 'airassist_analytics_events_dropped_total',
	help: 'Analytics events dropped (buffer full, invalid, or the write failed), by reason',
	labelNames: ['reason'] as const,
	registers: [registry]
});

/** Cluster-wide figures, refreshed from the database on each scrape (see cluster.ts). */
export const clusterGauges = {
	activeUsers: new Gauge({ name: 'airassist_active_users', help: 'Users seen in the last 15 minutes (all processes)', registers: [registry] }),
	dbSize: new Gauge({ name: 'airassist_db_size_bytes', help: 'Size of the database', registers: [registry] }),
	dbRoundTrip: new Gauge({ name: 'airassist_db_round_trip_seconds', help: 'Round trip of `select 1` from this process', registers: [registry] })
};

export function observeHttpRequest(method: string, status: number, seconds: number): void {
	httpRequests.inc({ method: METHODS.has(method) ? method : 'OTHER', status: `${Math.floor(status / 100)}xx` });
	httpRequestDuration.observe(seconds);
}

export interface UpstreamCall {
	/** e.g. 'chat.completions', 'embeddings' (as in api_usage_logs.endpoint). */
	endpoint: string;
	provider: string;
	model: string;
	/** As in api_usage_logs.status: 'success' | 'error' | 'cancelled' | 'rate_limited'. */
	status: string;
	/** Null when the call never reached the model. */
	latencyMs: number | null;
	/** Null for calls that don't stream, or that failed before the first token. */
	timeToFirstTokenMs: number | null;
}

/**
 * Called by the governed model-call path once per upstream call. Label values are trimmed so a
 * misconfigured model name can't blow up the number of series.
 */
export function observeUpstreamCall(call: UpstreamCall): void {
	const labels = { endpoint: label(call.endpoint), provider: label(call.provider), model: label(call.model), status: label(call.status) };
	if (call.latencyMs !== null && call.latencyMs >= 0) upstreamLatency.observe(labels, call.latencyMs / 1000);
	if (call.timeToFirstTokenMs !== null && call.timeToFirstTokenMs >= 0) upstreamTimeToFirstToken.observe(labels, call.timeToFirstTokenMs / 1000);
}

function label(value: string): string {
	return value.slice(0, 64) || 'unknown';
}

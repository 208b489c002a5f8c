import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsResponse, observeUpstreamCall, runMetricsSampler, SAMPLED_METRICS, sampleSystemMetrics } from '../../src/lib/server/metrics';
import { InstanceReporter } from '../../src/lib/server/metrics/instance';
import { observeHttpRequest } from '../../src/lib/server/metrics/registry';
import { createUser } from '../support/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const TOKEN = 'test-metrics-token-0123456789';
const MINUTE = 60_000;

let test: TestDatabase;
beforeAll(async () => {
	test = await createTestDatabase();
});
afterAll(() => test.dispose());

describe('GET /metrics', () => {
	const open = () => Promise.resolve(test.db);

	it('does not exist while METRICS_TOKEN is unset', async () => {
		const response = await metricsResponse(`Bearer ${TOKEN}`, undefined, open);
		expect(response.status).toBe(404);
	});

	it.each([
		['no credentials', null],
		['a wrong token', 'Bearer not-the-token-at-all-000000'],
		['the token without the Bearer scheme', TOKEN],
		['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`]
	])('answers 401 to %s', async (_, authorization) => {
		const response = await metricsResponse(authorization, TOKEN, open);
		expect(response.status).toBe(401);
		expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
		expect(await response.text()).not.toContain('airassist_');
	});

	it('serves Prometheus text with process, request, upstream and cluster figures to the token holder', async () => {
		observeHttpRequest('GET', 200, 0.012);
		observeHttpRequest('POST', 503, 0.2);
		observeUpstreamCall({ endpoint: 'chat.completions', provider: 'openai', model: 'gpt-4o-mini', status: 'success', latencyMs: 1_800, timeToFirstTokenMs: 350 });
		const response = await metricsResponse(`Bearer ${TOKEN}`, TOKEN, open);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
		const text = await response.text();
		for (const name of [
			'airassist_http_requests_total{method="GET",status="2xx"',
			'airassist_http_requests_total{method="POST",status="5xx"',
			'airassist_upstream_latency_seconds_bucket{le="2"',
			'airassist_upstream_time_to_first_token_seconds_count{endpoint="chat.completions",provider="openai",model="gpt-4o-mini",status="success"',
			'airassist_active_streams',
			'airassist_active_users',
			'airassist_db_size_bytes',
			'airassist_db_round_trip_seconds',
			'process_resident_memory_bytes',
			'nodejs_eventloop_lag_p99_seconds'
		]) {
			expect(text).toContain(name);
		}
		expect(Number(/^airassist_db_size_bytes (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(1_000_000);
	});
});

describe('metrics sampler', () => {
	it('sums every instance’s minute and the minute’s upstream calls into system_metrics', async () => {
		const windowStart = Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE;
		const at = (seconds: number) => windowStart + seconds * 1000;
		const one = new InstanceReporter(test.db, 'host-a:1:test');
		const two = new InstanceReporter(test.db, 'host-b:2:test');
		for (let n = 0; n < 7; n++) one.recordRequest(n === 0, at(5 + n));
		for (let n = 0; n < 3; n++) two.recordRequest(false, at(50));
		two.recordRequest(false, at(75)); // the next minute: not in this sample
		await one.flush(at(30));
		await two.flush(at(55));
		await two.flush(at(80));

		const user = await createUser(test.db, 'sampled');
		await test.db.prisma.apiUsageLog.createMany({
			data: [100, 200, 300, 400, 1_000].map((latencyMs) => ({
				userId: user.id,
				endpoint: 'chat.completions',
				provider: 'openai',
				model: 'gpt-4o-mini',
				latencyMs,
				timeToFirstTokenMs: latencyMs / 10,
				createdAt: new Date(at(20))
			}))
		});

		const samples = await sampleSystemMetrics(test.db, new Date(windowStart));
		const value = (name: string) => samples.find((sample) => sample.name === name && !sample.labels)?.value;
		expect(value('http_requests')).toBe(10);
		expect(value('http_errors')).toBe(1);
		expect(value('http_error_rate')).toBeCloseTo(0.1);
		expect(value('app_instances')).toBe(2);
		expect(value('upstream_calls')).toBe(5);
		expect(value('upstream_latency_p50_ms')).toBe(300);
		expect(value('upstream_latency_p95_ms')).toBe(880);
		expect(value('upstream_ttft_p50_ms')).toBe(30);
		expect(value('db_size_bytes')).toBeGreaterThan(1_000_000);
		expect(value('db_round_trip_ms')).toBeGreaterThanOrEqual(0);

		const stored = await test.db.prisma.systemMetric.findMany({ where: { recordedAt: new Date(windowStart + MINUTE) } });
		expect(new Set(stored.map((row) => row.metricName))).toEqual(new Set(SAMPLED_METRICS));
		const rss = stored.filter((row) => row.metricName === 'process_rss_bytes');
		expect(rss.map((row) => row.labels).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([{ instance: 'host-a:1:test' }, { instance: 'host-b:2:test' }]);
		expect(rss.every((row) => row.metricValue > 10_000_000)).toBe(true);
	});

	it('the scheduled sampler reports the minute that just ended, once it has settled', async () => {
		const minuteStart = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
		await runMetricsSampler(test.db, () => minuteStart + 30_000);
		const names = (await test.db.prisma.systemMetric.findMany({ where: { recordedAt: new Date(minuteStart) } })).map((row) => row.metricName);
		expect(names).toContain('http_requests');
		expect(names).toContain('active_users');
		expect(names).not.toContain('upstream_latency_p50_ms'); // no calls in that minute: no percentile
	});
});

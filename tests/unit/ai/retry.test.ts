import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/lib/server/ai/provider';
import { retryAfterMsFromHeaders, retryDelayMs, sleep, type RetryPolicy } from '../../../src/lib/server/ai/retry';

const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 300, maxRetryAfterMs: 2_000 };
const unavailable = new ProviderError('unavailable', 'down');

describe('retryDelayMs', () => {
	it('backs off exponentially with equal jitter, capped', () => {
		expect(retryDelayMs(unavailable, 0, policy, () => 0)).toBe(50);
		expect(retryDelayMs(unavailable, 0, policy, () => 1)).toBe(100);
		expect(retryDelayMs(unavailable, 1, policy, () => 0)).toBe(100);
		expect(retryDelayMs(unavailable, 1, policy, () => 1)).toBe(200);
		expect(retryDelayMs(unavailable, 2, policy, () => 1)).toBe(300);
	});

	it('stops after maxRetries', () => {
		expect(retryDelayMs(unavailable, 2, policy, () => 0)).not.toBeNull();
		expect(retryDelayMs(unavailable, 3, policy, () => 0)).toBeNull();
	});

	it('waits what Retry-After says, unless that is longer than worth waiting', () => {
		expect(retryDelayMs(new ProviderError('rate_limited', 'slow down', { retryAfterMs: 1_500 }), 0, policy)).toBe(1_500);
		expect(retryDelayMs(new ProviderError('rate_limited', 'slow down', { retryAfterMs: 60_000 }), 0, policy)).toBeNull();
	});

	it('never retries after tokens were delivered, on timeouts, or on errors that will repeat', () => {
		expect(retryDelayMs(new ProviderError('connection', 'cut', { partial: true }), 0, policy)).toBeNull();
		expect(retryDelayMs(new ProviderError('timeout', 'slow'), 0, policy)).toBeNull();
		expect(retryDelayMs(new ProviderError('bad_request', 'no'), 0, policy)).toBeNull();
		expect(retryDelayMs(new ProviderError('auth', 'no'), 0, policy)).toBeNull();
		expect(retryDelayMs(new ProviderError('rate_limited', 'no credit', { retryable: false }), 0, policy)).toBeNull();
		expect(retryDelayMs(new ProviderError('connection', 'refused'), 0, policy)).not.toBeNull();
	});
});

describe('retryAfterMsFromHeaders', () => {
	it('reads retry-after-ms, Retry-After seconds and Retry-After dates', () => {
		expect(retryAfterMsFromHeaders(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
		expect(retryAfterMsFromHeaders(new Headers({ 'retry-after': '2' }))).toBe(2_000);
		const now = Date.parse('2026-01-01T00:00:00Z');
		expect(retryAfterMsFromHeaders(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3_000);
		expect(retryAfterMsFromHeaders(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
		expect(retryAfterMsFromHeaders(undefined)).toBeUndefined();
	});
});

describe('sleep', () => {
	it('ends early with an aborted ProviderError when the caller gives up', async () => {
		const controller = new AbortController();
		const started = Date.now();
		const waiting = sleep(5_000, controller.signal);
		controller.abort();
		await expect(waiting).rejects.toMatchObject({ kind: 'aborted' });
		expect(Date.now() - started).toBeLessThan(1_000);
	});
});

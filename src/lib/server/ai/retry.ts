import { ProviderError } from './provider';

/**
 * When to try a failed model request again. Retries happen only before the first token reaches
 * the user: after that, a second attempt would show a different answer glued onto the first.
 */
export interface RetryPolicy {
	/** Attempts after the first one. */
	maxRetries: number;
	/** First backoff; it doubles on each retry. */
	baseDelayMs: number;
	/** Largest backoff between two attempts. */
	maxDelayMs: number;
	/**
	 * Longest Retry-After worth waiting for. A server asking for more gets an immediate error
	 * carrying retryAfterMs, so the user learns how long to wait instead of watching a spinner.
	 */
	maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxRetries: 2,
	baseDelayMs: 500,
	maxDelayMs: 4_000,
	maxRetryAfterMs: 10_000
};

/**
 * Milliseconds to wait before retry number `retryIndex` (0 for the first retry) after `error`,
 * or null when it should not be retried. Timeouts are not retried: the user has already waited
 * the whole timeout once. Backoff uses "equal jitter" (half fixed, half random) so clients that
 * failed together do not come back together.
 */
export function retryDelayMs(
	error: ProviderError,
	retryIndex: number,
	policy: RetryPolicy,
	random: () => number = Math.random
): number | null {
	if (!error.retryable || error.kind === 'timeout' || error.partial) return null;
	if (retryIndex >= policy.maxRetries) return null;
	if (error.retryAfterMs !== undefined) {
		return error.retryAfterMs <= policy.maxRetryAfterMs ? error.retryAfterMs : null;
	}
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
	return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Reads the server's wait hint: OpenAI's `retry-after-ms`, else the standard `Retry-After`
 * (seconds or an HTTP date). Undefined when absent or unreadable.
 */
export function retryAfterMsFromHeaders(headers: Headers | undefined, now = Date.now()): number | undefined {
	const milliseconds = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
	if (Number.isFinite(milliseconds) && milliseconds >= 0) return Math.round(milliseconds);

	const value = headers?.get('retry-after')?.trim();
	if (!value) return undefined;
	if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number.parseFloat(value) * 1000);
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Waits, unless the caller gives up first (then throws ProviderError 'aborted'). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(abortedError());
		const onAbort = () => {
			clearTimeout(timer);
			reject(abortedError());
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}

export function abortedError(partial = false): ProviderError {
	return new ProviderError('aborted', 'The answer was stopped.', { partial, retryable: false });
}

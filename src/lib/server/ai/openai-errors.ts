import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { ProviderError, type TokenUsage } from './provider';
import { abortedError, retryAfterMsFromHeaders } from './retry';

export interface ErrorContext {
	/** Host of the model server (never the full URL, which may carry credentials). */
	host: string;
	/** Deltas were delivered before the failure. */
	partial: boolean;
	usage?: TokenUsage;
}

/**
 * Translates what the openai SDK throws into the provider taxonomy. Upstream messages reach the
 * user only for 400-class request errors, where they are actionable ("maximum context length…"),
 * and then with anything key-shaped masked; a 401 body, for one, quotes part of the key.
 */
export function providerErrorFromOpenAI(error: unknown, context: ErrorContext): ProviderError {
	const base = { partial: context.partial, usage: context.usage, cause: error };
	if (error instanceof ProviderError) return error;
	if (error instanceof APIUserAbortError) return abortedError(context.partial);
	if (error instanceof APIConnectionTimeoutError) {
		return new ProviderError('timeout', `The model server at ${context.host} did not respond in time.`, base);
	}
	if (error instanceof APIConnectionError) {
		return new ProviderError('connection', `Could not reach the model server at ${context.host}.`, base);
	}
	if (error instanceof APIError) return fromHttpError(error, context, base);
	// The SDK parses each SSE line with JSON.parse and lets its SyntaxError through.
	if (error instanceof SyntaxError) {
		return new ProviderError('malformed', 'The model server sent an answer that could not be read.', base);
	}
	// What is left is the body stream failing (undici's "terminated" when the socket drops).
	const message = context.partial
		? 'The connection to the model server broke while it was answering.'
		: `The connection to the model server at ${context.host} failed.`;
	return new ProviderError('connection', message, base);
}

function fromHttpError(error: APIError, context: ErrorContext, base: { partial: boolean; usage?: TokenUsage; cause: unknown }): ProviderError {
	const status = error.status;
	if (status === 429) {
		// OpenAI answers 429 for an exhausted balance too; waiting does not help with that one.
		if (error.code === 'insufficient_quota') {
			return new ProviderError('rate_limited', 'The model provider refused the request: the API key has run out of credit.', {
				...base,
				retryable: false
			});
		}
		const retryAfterMs = retryAfterMsFromHeaders(error.headers);
		const wait = retryAfterMs === undefined ? 'a moment' : `${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`;
		return new ProviderError('rate_limited', `The model provider is rate limiting requests. Try again in ${wait}.`, {
			...base,
			retryAfterMs
		});
	}
	if (status === 401 || status === 403) {
		return new ProviderError('auth', `The model server at ${context.host} rejected the API key.`, base);
	}
	if (status === 408) {
		return new ProviderError('timeout', `The model server at ${context.host} timed out.`, base);
	}
	if (status !== undefined && status >= 400 && status < 500 && status !== 409) {
		const detail = upstreamMessage(error);
		return new ProviderError('bad_request', `The model server rejected the request${detail ? `: ${detail}` : '.'}`, base);
	}
	// 409 (OpenAI: a conflicting concurrent request), 5xx, or an error event inside the stream.
	const code = status === undefined ? '' : ` (HTTP ${status})`;
	return new ProviderError('unavailable', `The model server is unavailable right now${code}. Try again shortly.`, {
		...base,
		retryAfterMs: retryAfterMsFromHeaders(error.headers)
	});
}

const KEY_LIKE = /\b(?:sk|pk|rk|key)[-_][\w*.-]{4,}/gi;
const MAX_DETAIL_LENGTH = 300;

function upstreamMessage(error: APIError): string {
	const body: unknown = error.error;
	const message = isRecord(body) && typeof body.message === 'string' ? body.message : '';
	const masked = message.replace(KEY_LIKE, '[redacted]').trim();
	return masked.length > MAX_DETAIL_LENGTH ? `${masked.slice(0, MAX_DETAIL_LENGTH)}…` : masked;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null;
}

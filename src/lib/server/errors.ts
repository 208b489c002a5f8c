import type { QuotaRefusal } from '../usage/types';

/**
 * One error taxonomy for the server. Internals (causes, SQL, stack traces) are logged;
 * what reaches a user is `message`, which is written to be safe and actionable.
 * The tRPC layer maps `code` to its own codes; form actions show `message` next to `field`.
 */
export type AppErrorCode =
	| 'CONFIG_INVALID'
	| 'DATABASE_UNAVAILABLE'
	| 'DATABASE_UNSUPPORTED'
	| 'MIGRATION_FAILED'
	| 'MIGRATION_TAMPERED'
	| 'BAD_REQUEST'
	| 'UNAUTHORIZED'
	| 'FORBIDDEN'
	| 'NOT_FOUND'
	| 'CONFLICT'
	/** A body or document over a size limit (413). */
	| 'PAYLOAD_TOO_LARGE'
	| 'TOO_MANY_REQUESTS';

export interface AppErrorOptions {
	cause?: unknown;
	/** The input field the error is about, for inline form messages. */
	field?: string;
	/** For TOO_MANY_REQUESTS: when the caller may try again. */
	retryAfterSeconds?: number;
	/** For a quota refusal: which limit, how much is used, when it resets. */
	quota?: QuotaRefusal;
}

export class AppError extends Error {
	override readonly name = 'AppError';
	readonly field: string | undefined;
	readonly retryAfterSeconds: number | undefined;
	readonly quota: QuotaRefusal | undefined;
	constructor(
		readonly code: AppErrorCode,
		message: string,
		options: AppErrorOptions = {}
	) {
		super(message, { cause: options.cause });
		this.field = options.field;
		this.retryAfterSeconds = options.retryAfterSeconds ?? options.quota?.retryAfterSeconds;
		this.quota = options.quota;
	}
}

/** A setting is missing or malformed. The message names the variable and what it expects. */
export class ConfigError extends AppError {
	constructor(
		readonly variable: string,
		expected: string,
		options?: { cause?: unknown }
	) {
		super('CONFIG_INVALID', `${variable} ${expected}`, options);
	}
}

export function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** "3 minutes", "20 seconds", "5 hours", "12 days": for messages that say when to retry. */
export function describeWait(seconds: number): string {
	const plural = (value: number, unit: string) => `${value} ${unit}${value === 1 ? '' : 's'}`;
	if (seconds < 60) return plural(Math.max(1, Math.ceil(seconds)), 'second');
	if (seconds < 2 * 3600) return plural(Math.ceil(seconds / 60), 'minute');
	if (seconds < 2 * 86400) return plural(Math.ceil(seconds / 3600), 'hour');
	return plural(Math.ceil(seconds / 86400), 'day');
}

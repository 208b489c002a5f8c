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
	| 'TOO_MANY_REQUESTS';

export interface AppErrorOptions {
	cause?: unknown;
	/** The input field the error is about, for inline form messages. */
	field?: string;
	/** For TOO_MANY_REQUESTS: when the caller may try again. */
	retryAfterSeconds?: number;
}

export class AppError extends Error {
	override readonly name = 'AppError';
	readonly field: string | undefined;
	readonly retryAfterSeconds: number | undefined;
	constructor(
		readonly code: AppErrorCode,
		message: string,
		options: AppErrorOptions = {}
	) {
		super(message, { cause: options.cause });
		this.field = options.field;
		this.retryAfterSeconds = options.retryAfterSeconds;
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

/** "in 3 minutes", "in 20 seconds": for messages that say when to retry. */
export function describeWait(seconds: number): string {
	if (seconds < 60) return `${Math.max(1, Math.ceil(seconds))} second${Math.ceil(seconds) === 1 ? '' : 's'}`;
	const minutes = Math.ceil(seconds / 60);
	return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

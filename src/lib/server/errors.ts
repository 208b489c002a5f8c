/**
 * One error taxonomy for the server. Internals (causes, SQL, stack traces) are logged;
 * what reaches a user is `message`, which is written to be safe and actionable.
 */
export type AppErrorCode =
	| 'CONFIG_INVALID'
	| 'DATABASE_UNAVAILABLE'
	| 'DATABASE_UNSUPPORTED'
	| 'MIGRATION_FAILED'
	| 'MIGRATION_TAMPERED';

export class AppError extends Error {
	override readonly name = 'AppError';
	constructor(
		readonly code: AppErrorCode,
		message: string,
		options?: { cause?: unknown }
	) {
		super(message, options);
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

/**
 * Recognises the database's own refusals in whatever wrapper the driver adapter put around them
 * (Prisma's known-request errors, adapter errors, pg errors), so services can turn them into
 * AppErrors with a message for people instead of a 500.
 */

function messagesOf(error: unknown, depth = 0): string[] {
	if (depth > 6 || typeof error !== 'object' || error === null) return [];
	const own = error instanceof Error ? [error.message] : [];
	const record = error as { cause?: unknown; meta?: unknown; hint?: unknown };
	const hint = typeof record.hint === 'string' ? [record.hint] : [];
	const meta = record.meta && typeof record.meta === 'object' ? [JSON.stringify(record.meta)] : [];
	return [...own, ...hint, ...meta, ...messagesOf(record.cause, depth + 1)];
}

/** 022's guard: the change would leave no enabled administrator. */
export function isLastAdminRefusal(error: unknown): boolean {
	return messagesOf(error).some((message) => message.includes('cannot remove the last administrator') || message.includes('airassist:last_admin'));
}

/** A unique index refused a duplicate (Prisma P2002, Postgres 23505). */
export function isUniqueViolation(error: unknown): boolean {
	if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'P2002') return true;
	return messagesOf(error).some((message) => message.includes('23505') || message.includes('duplicate key') || message.includes('Unique constraint'));
}

import type { Database } from '../db';

/** Browser sessions, keyed by the SHA-256 of their cookie token (the token itself is never stored). */

export async function insertSession(db: Database, row: { id: string; userId: string; expiresAt: Date; ipAddress: string | null; userAgent: string | null }): Promise<void> {
	await db.prisma.session.create({ data: row });
}

export async function deleteSessionById(db: Database, id: string): Promise<void> {
	await db.prisma.session.deleteMany({ where: { id } });
}

/** Moves the expiry (renewal) and/or the last-seen hint of one session. */
export async function touchSession(db: Database, id: string, data: { expiresAt?: Date; lastSeenAt: Date }): Promise<void> {
	await db.prisma.session.updateMany({ where: { id }, data });
}

/** Every session of a user, optionally but one; returns how many ended. */
export async function deleteUserSessions(db: Database, userId: string, keepSessionId?: string): Promise<number> {
	const { count } = await db.prisma.session.deleteMany({ where: { userId, ...(keepSessionId ? { id: { not: keepSessionId } } : {}) } });
	return count;
}

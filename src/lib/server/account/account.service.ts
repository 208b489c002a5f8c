import type { UpdateProfileInput } from '../../schemas/account';
import { asUser, type Database } from '../db';
import { AppError } from '../errors';
import { assertPassword } from '../auth/auth.service';

const profileSelect = { id: true, email: true, displayName: true, avatarUrl: true, tier: true, role: true, createdAt: true } as const;

export function getProfile(db: Database, userId: string) {
	return asUser(db, userId, (tx) => tx.profile.findUniqueOrThrow({ where: { id: userId }, select: profileSelect }));
}

export function updateProfile(db: Database, userId: string, input: UpdateProfileInput) {
	return asUser(db, userId, (tx) =>
		tx.profile.update({ where: { id: userId }, data: { displayName: input.displayName, avatarUrl: input.avatarUrl }, select: profileSelect })
	);
}

export interface SessionListItem {
	id: string;
	createdAt: Date;
	lastSeenAt: Date;
	expiresAt: Date;
	ipAddress: string | null;
	userAgent: string | null;
	current: boolean;
}

/** The places this account is signed in, newest activity first; RLS limits it to the caller's own. */
export async function listSessions(db: Database, userId: string, currentSessionId: string | null): Promise<SessionListItem[]> {
	const rows = await asUser(db, userId, (tx) =>
		tx.session.findMany({
			where: { expiresAt: { gt: new Date() } },
			select: { id: true, createdAt: true, lastSeenAt: true, expiresAt: true, ipAddress: true, userAgent: true },
			orderBy: { lastSeenAt: 'desc' }
		})
	);
	return rows.map((row) => ({ ...row, current: row.id === currentSessionId }));
}

export async function revokeSession(db: Database, userId: string, sessionId: string): Promise<void> {
	const { count } = await asUser(db, userId, (tx) => tx.session.deleteMany({ where: { id: sessionId } }));
	if (count === 0) throw new AppError('NOT_FOUND', 'That session has already ended.');
}

export async function revokeOtherSessions(db: Database, userId: string, currentSessionId: string | null): Promise<number> {
	const { count } = await asUser(db, userId, (tx) =>
		tx.session.deleteMany({ where: currentSessionId ? { id: { not: currentSessionId } } : {} })
	);
	return count;
}

/**
 * Deletes the account and, through the foreign keys' cascades, everything it owns: profile,
 * settings, sessions, tokens, chats, messages, private knowledge, usage records.
 */
export async function deleteAccount(db: Database, userId: string, password: string): Promise<void> {
	await assertPassword(db, userId, password, 'password');
	await db.prisma.user.delete({ where: { id: userId } });
}

import type { UserTransaction } from '../db';

const profileSelect = { id: true, email: true, displayName: true, avatarUrl: true, tier: true, role: true, createdAt: true } as const;

/** The caller's own profile (inside asUser). */
export function findOwnProfile(tx: UserTransaction, userId: string) {
	return tx.profile.findUniqueOrThrow({ where: { id: userId }, select: profileSelect });
}

export function updateOwnProfile(tx: UserTransaction, userId: string, data: { displayName?: string | null; avatarUrl?: string | null }) {
	return tx.profile.update({ where: { id: userId }, data, select: profileSelect });
}

/** The caller's live sessions, newest activity first (row level security: only their own). */
export function listLiveSessions(tx: UserTransaction, now: Date) {
	return tx.session.findMany({
		where: { expiresAt: { gt: now } },
		select: { id: true, createdAt: true, lastSeenAt: true, expiresAt: true, ipAddress: true, userAgent: true },
		orderBy: { lastSeenAt: 'desc' }
	});
}

/** Ends one of the caller's sessions, or all but `keepSessionId`; returns how many ended. */
export async function deleteOwnSessions(tx: UserTransaction, which: { id: string } | { allBut: string | null }): Promise<number> {
	const where = 'id' in which ? { id: which.id } : which.allBut ? { id: { not: which.allBut } } : {};
	const { count } = await tx.session.deleteMany({ where });
	return count;
}

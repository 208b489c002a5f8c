import type { UpdateProfileInput } from '../../schemas/account';
import { asUser, type Database } from '../db';
import { AppError } from '../errors';
import { assertPassword } from '../auth/auth.service';
import { deleteUserRow } from '../auth/user.repo';
import { deleteOwnSessions, findOwnProfile, listLiveSessions, updateOwnProfile } from './account.repo';

export function getProfile(db: Database, userId: string) {
	return asUser(db, userId, (tx) => findOwnProfile(tx, userId));
}

export function updateProfile(db: Database, userId: string, input: UpdateProfileInput) {
	return asUser(db, userId, (tx) => updateOwnProfile(tx, userId, { displayName: input.displayName, avatarUrl: input.avatarUrl }));
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
	const rows = await asUser(db, userId, (tx) => listLiveSessions(tx, new Date()));
	return rows.map((row) => ({ ...row, current: row.id === currentSessionId }));
}

export async function revokeSession(db: Database, userId: string, sessionId: string): Promise<void> {
	const count = await asUser(db, userId, (tx) => deleteOwnSessions(tx, { id: sessionId }));
	if (count === 0) throw new AppError('NOT_FOUND', 'That session has already ended.');
}

export async function revokeOtherSessions(db: Database, userId: string, currentSessionId: string | null): Promise<number> {
	return asUser(db, userId, (tx) => deleteOwnSessions(tx, { allBut: currentSessionId }));
}

/**
 * Deletes the account and, through the foreign keys' cascades, everything it owns: profile,
 * settings, sessions, tokens, chats, messages, private knowledge, usage records.
 */
export async function deleteAccount(db: Database, userId: string, password: string): Promise<void> {
	await assertPassword(db, userId, password, 'password');
	await deleteUserRow(db, userId);
}

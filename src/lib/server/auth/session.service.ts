import type { Database } from '../db';
import type { AuthSession, AuthUser } from './auth-user';
import { findSessionIdentity } from './identity.repo';
import { deleteSessionById, deleteUserSessions, insertSession, touchSession } from './session.repo';
import { generateToken, hashToken } from './tokens';

const DAY_MS = 24 * 60 * 60 * 1000;
export const SESSION_TTL_MS = 30 * DAY_MS;
/** Sessions are extended once less than half their lifetime remains (one write per ~15 days). */
const RENEW_BELOW_MS = SESSION_TTL_MS / 2;
/** `last_seen_at` is a hint for the sessions list; refreshing it more often isn't worth a write. */
const LAST_SEEN_RESOLUTION_MS = 5 * 60 * 1000;

export interface RequestMeta {
	ip: string | null;
	userAgent: string | null;
}

export interface NewSession {
	token: string;
	expiresAt: Date;
}

export async function createSession(db: Database, userId: string, meta: RequestMeta): Promise<NewSession> {
	const token = generateToken();
	const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
	await insertSession(db, { id: hashToken(token), userId, expiresAt, ipAddress: meta.ip, userAgent: meta.userAgent?.slice(0, 500) ?? null });
	return { token, expiresAt };
}

export interface ValidatedSession {
	user: AuthUser;
	session: AuthSession;
	/** Set when the expiry moved: the cookie must be re-sent with it. */
	renewedExpiresAt: Date | null;
}

/** Resolves a session cookie's token in one query; expired, revoked or disabled sessions give null. */
export async function validateSessionToken(db: Database, token: string): Promise<ValidatedSession | null> {
	const id = hashToken(token);
	const found = await findSessionIdentity(db, id);
	if (!found?.expiresAt) return null;
	const now = Date.now();
	if (found.expiresAt.getTime() <= now) {
		await deleteSessionById(db, id);
		return null;
	}
	if (found.isDisabled) return null;

	let renewedExpiresAt: Date | null = null;
	if (found.expiresAt.getTime() - now < RENEW_BELOW_MS) {
		renewedExpiresAt = new Date(now + SESSION_TTL_MS);
		await touchSession(db, id, { expiresAt: renewedExpiresAt, lastSeenAt: new Date(now) });
	} else if (!found.touchedAt || now - found.touchedAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
		await touchSession(db, id, { lastSeenAt: new Date(now) });
	}
	return {
		user: found.user,
		session: { id, expiresAt: renewedExpiresAt ?? found.expiresAt, via: 'cookie' },
		renewedExpiresAt
	};
}

export function invalidateSession(db: Database, sessionId: string): Promise<void> {
	return deleteSessionById(db, sessionId);
}

/** Signs a user out everywhere, optionally keeping the session they are using. */
export function invalidateUserSessions(db: Database, userId: string, keepSessionId?: string): Promise<number> {
	return deleteUserSessions(db, userId, keepSessionId);
}

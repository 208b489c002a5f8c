import type { Cookies } from '@sveltejs/kit';
import type { Database } from '../db';
import type { AuthSession, AuthUser } from './auth-user';
import { validateApiToken } from './api-token.service';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from './cookies';
import { validateSessionToken } from './session.service';

export interface RequestIdentity {
	user: AuthUser | null;
	session: AuthSession | null;
}

const ANONYMOUS: RequestIdentity = { user: null, session: null };

/** True when the request carries something to authenticate (so anonymous requests cost no query). */
export function hasCredentials(headers: Headers, cookies: Cookies): boolean {
	return headers.has('authorization') || cookies.get(SESSION_COOKIE) !== undefined;
}

/**
 * Resolves `Authorization: Bearer <api token>` or the session cookie into the request's identity,
 * renewing the cookie when its session was extended and dropping it when the session is gone.
 */
export async function authenticateRequest(db: Database, headers: Headers, cookies: Cookies, secure: boolean): Promise<RequestIdentity> {
	const authorization = headers.get('authorization');
	if (authorization) {
		const [scheme, token] = authorization.split(' ', 2);
		if (scheme?.toLowerCase() !== 'bearer' || !token) return ANONYMOUS;
		return (await validateApiToken(db, token.trim())) ?? ANONYMOUS;
	}
	const token = cookies.get(SESSION_COOKIE);
	if (!token) return ANONYMOUS;
	const result = await validateSessionToken(db, token);
	if (!result) {
		clearSessionCookie(cookies, secure);
		return ANONYMOUS;
	}
	if (result.renewedExpiresAt) setSessionCookie(cookies, token, result.renewedExpiresAt, secure);
	return { user: result.user, session: result.session };
}

import type { Cookies } from '@sveltejs/kit';

export const SESSION_COOKIE = 'aa_session';

/**
 * HttpOnly so scripts can't read it, SameSite=Lax so other sites can't post with it, Secure
 * whenever the site is served over HTTPS.
 */
export function setSessionCookie(cookies: Cookies, token: string, expiresAt: Date, secure: boolean): void {
	cookies.set(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, expires: expiresAt });
}

export function clearSessionCookie(cookies: Cookies, secure: boolean): void {
	cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
}

import type { Database } from '../../src/lib/server/db/client';
import type { AuthSession, AuthUser } from '../../src/lib/server/auth/auth-user';
import { validateSessionToken } from '../../src/lib/server/auth/session.service';
import { createInnerContext, type SessionCookieJar } from '../../src/lib/server/trpc/context';
import { createCaller } from '../../src/lib/server/trpc/router';
import type { AppServices } from '../../src/lib/server/services';

/** A cookie jar that remembers what a procedure set, like a browser would. */
export class TestCookieJar implements SessionCookieJar {
	token: string | null = null;
	expiresAt: Date | null = null;
	set(token: string, expiresAt: Date): void {
		this.token = token;
		this.expiresAt = expiresAt;
	}
	clear(): void {
		this.token = null;
		this.expiresAt = null;
	}
}

export function anonymousCaller(db: Database, jar = new TestCookieJar(), ip: string | null = '203.0.113.7') {
	return createCaller(createInnerContext({ db, cookies: jar, request: { ip, userAgent: 'vitest' } }));
}

/** A caller authenticated the way hooks.server.ts does it: from the session cookie's token. */
export async function callerForToken(db: Database, token: string, jar = new TestCookieJar(), services?: AppServices) {
	const validated = await validateSessionToken(db, token);
	return createCaller(createInnerContext({ db, cookies: jar, user: validated?.user ?? null, session: validated?.session ?? null, request: { ip: '203.0.113.7' }, services }));
}

export function callerAs(db: Database, user: AuthUser, session: AuthSession, services?: AppServices) {
	return createCaller(createInnerContext({ db, user, session, cookies: new TestCookieJar(), services }));
}

/** Signs up through the API and returns a caller holding that session, plus the raw token. */
export async function signedUpCaller(db: Database, name: string, password = 'correct horse battery', services?: AppServices) {
	const jar = new TestCookieJar();
	const email = `${name}-${Math.random().toString(36).slice(2, 8)}@example.test`;
	const { user } = await anonymousCaller(db, jar, null).auth.signUp({ email, password, displayName: name });
	const token = jar.token;
	if (!token) throw new Error('sign-up set no session cookie');
	return { user, email, password, token, jar, caller: await callerForToken(db, token, jar, services) };
}

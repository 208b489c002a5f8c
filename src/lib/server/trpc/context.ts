import type { RequestEvent } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import type { AuthSession, AuthUser } from '../auth/auth-user';
import { clearSessionCookie, setSessionCookie } from '../auth/cookies';
import { getDatabase, type Database } from '../db';
import { errorMessage } from '../errors';
import { createServices, type AppServices } from '../services';

export interface RequestInfo {
	requestId: string;
	ip: string | null;
	userAgent: string | null;
}

/** How a procedure signs a browser in or out; absent for callers that have no cookies (tests, scripts). */
export interface SessionCookieJar {
	set(token: string, expiresAt: Date): void;
	clear(): void;
}

/** Everything a procedure may use. Built from parts so tests can call handlers without HTTP. */
export interface Context {
	db: Database;
	request: RequestInfo;
	user: AuthUser | null;
	session: AuthSession | null;
	cookies: SessionCookieJar | null;
	/** Providers, quota, usage log, clock, logger: swapped by tests, never reached for globally. */
	services: AppServices;
}

export interface ContextParts {
	db: Database;
	request?: Partial<RequestInfo>;
	user?: AuthUser | null;
	session?: AuthSession | null;
	cookies?: SessionCookieJar | null;
	services?: AppServices;
}

let processServices: AppServices | undefined;

/** The production services, made once per process. */
export function appServices(): AppServices {
	processServices ??= createServices();
	return processServices;
}

export function createInnerContext(parts: ContextParts): Context {
	return {
		db: parts.db,
		request: { requestId: parts.request?.requestId ?? crypto.randomUUID(), ip: parts.request?.ip ?? null, userAgent: parts.request?.userAgent ?? null },
		user: parts.user ?? null,
		session: parts.session ?? null,
		cookies: parts.cookies ?? null,
		services: parts.services ?? appServices()
	};
}

export async function createRequestContext(event: RequestEvent): Promise<Context> {
	let db: Database;
	try {
		db = await getDatabase();
	} catch (cause) {
		throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: `The database is unavailable: ${errorMessage(cause)}`, cause });
	}
	const secure = event.locals.secureCookies;
	return createInnerContext({
		db,
		request: { requestId: event.locals.requestId, ip: event.locals.clientIp, userAgent: event.request.headers.get('user-agent') },
		user: event.locals.user,
		session: event.locals.session,
		cookies: {
			set: (token, expiresAt) => setSessionCookie(event.cookies, token, expiresAt, secure),
			clear: () => clearSessionCookie(event.cookies, secure)
		}
	});
}

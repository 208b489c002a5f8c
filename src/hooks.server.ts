import { error, isHttpError, isRedirect, type Handle, type HandleServerError, type RequestEvent, type ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { building, dev } from '$app/environment';
import { authenticateRequest, hasCredentials } from '$lib/server/auth/request-auth';
import { startBackgroundWork, stopBackgroundWork } from '$lib/server/background';
import { stopAllGenerations } from '$lib/server/chat/answer/generate';
import { closeAnswersInterruptedByRestart } from '$lib/server/chat/interrupted';
import { closeDatabase, getDatabase } from '$lib/server/db';
import { env } from '$lib/server/env';
import { bodySizeLimit, limitBody } from '$lib/server/http/body-limit';
import { isCrossSite, publicOrigin } from '$lib/server/http/public-origin';
import { AppError, errorMessage } from '$lib/server/errors';
import { logger } from '$lib/server/logging/logger';
import { recordHttpRequest } from '$lib/server/metrics';
import { parseTheme, THEME_COOKIE } from '$lib/theme/theme';

/** Boot: validate settings, open and migrate the database before the first request; fail fast if we can't. */
export const init: ServerInit = async () => {
	if (building) return;
	try {
		env(); // validates every setting, not only the ones the database needs
		const db = await getDatabase();
		logger.info({ engine: db.engine }, 'database ready');
		closeAnswersInterruptedByRestart(db);
		startBackgroundWork(db);
	} catch (error) {
		// Expected failures (bad settings, unreachable or unsuitable server) need no stack trace.
		logger.fatal(error instanceof AppError ? { code: error.code } : { err: error }, 'start-up failed');
		console.error(`\nAirAssist cannot start: ${errorMessage(error)}\n`);
		// In dev the server stays up so the error page and /healthz can show the problem.
		if (!dev) process.exit(1);
	}
	process.once('sveltekit:shutdown', () => {
		// Save answers in flight as stopped, stop the job queue and write buffered events and counts,
		// then close the database (PGlite flushes to disk).
		void stopAllGenerations(5_000)
			.then(stopBackgroundWork)
			.finally(() => void closeDatabase());
	});
};

function clientIp(event: RequestEvent): string | null {
	try {
		return event.getClientAddress();
	} catch {
		return null; // not available when prerendering or in some test harnesses
	}
}

/** Monitoring traffic isn't counted as requests (it would drown a quiet instance's figures). */
const UNCOUNTED_PATHS = new Set(['/healthz', '/metrics']);

/** Counts requests and server errors (Prometheus, and the per-minute figures the sampler sums). */
const countRequest: Handle = async ({ event, resolve }) => {
	if (UNCOUNTED_PATHS.has(event.url.pathname)) return resolve(event);
	const started = performance.now();
	const seconds = () => (performance.now() - started) / 1000;
	try {
		const response = await resolve(event);
		recordHttpRequest(event.request.method, response.status, seconds());
		return response;
	} catch (thrown) {
		const status = isHttpError(thrown) || isRedirect(thrown) ? thrown.status : 500;
		recordHttpRequest(event.request.method, status, seconds());
		throw thrown;
	}
};

const assignRequestId: Handle = ({ event, resolve }) => {
	const incoming = event.request.headers.get('x-request-id');
	event.locals.requestId = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : crypto.randomUUID();
	event.locals.clientIp = clientIp(event);
	return resolve(event);
};

/**
 * The one cross-site check, for form actions and the API alike (SvelteKit's own is switched off in
 * svelte.config.js: it compares against adapter-node's guess of the scheme, which is https without
 * ORIGIN, so it refused every post from http://localhost). Also decides whether cookies are Secure.
 */
const guardCrossSite: Handle = ({ event, resolve }) => {
	const site = publicOrigin(event.url, { origin: env().ORIGIN, protocolHeader: env().PROTOCOL_HEADER });
	event.locals.secureCookies = site.https;
	if (isCrossSite(event.request, site.allowed)) {
		error(403, event.url.pathname.startsWith('/api/') ? 'Cross-site API requests are not allowed' : 'Cross-site form submissions are not allowed');
	}
	return resolve(event);
};

/** Resolves the session cookie or API token once per request into `locals.user` and `locals.session`. */
const authenticate: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	event.locals.session = null;
	if (event.url.pathname !== '/healthz' && hasCredentials(event.request.headers, event.cookies)) {
		const identity = await authenticateRequest(await getDatabase(), event.request.headers, event.cookies, event.locals.secureCookies);
		event.locals.user = identity.user;
		event.locals.session = identity.session;
	}
	return resolve(event);
};

/** Renders the chosen theme into <html> on the server so there is no flash of the wrong one. */
const applyTheme: Handle = ({ event, resolve }) => {
	const theme = parseTheme(event.cookies.get(THEME_COOKIE));
	event.locals.theme = theme;
	return resolve(event, {
		transformPageChunk: ({ html }) => html.replace('%airassist.theme%', theme)
	});
};

const securityHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('referrer-policy', 'strict-origin-when-cross-origin');
	response.headers.set('x-frame-options', 'DENY');
	response.headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
	if (event.locals.user && !response.headers.has('cache-control')) response.headers.set('cache-control', 'private, no-store');
	return response;
};

const logRequest: Handle = async ({ event, resolve }) => {
	const started = performance.now();
	const response = await resolve(event);
	logger.debug(
		{ requestId: event.locals.requestId, method: event.request.method, path: event.url.pathname, status: response.status, ms: Math.round(performance.now() - started) },
		'request'
	);
	response.headers.set('x-request-id', event.locals.requestId);
	return response;
};

/** The knowledge upload counts its body against the uploader's tier cap (its own endpoint). */
const UPLOAD_PATH = '/api/knowledge/documents';
const BODY_LIMIT = bodySizeLimit();

/** BODY_SIZE_LIMIT for every body but the upload's (svelte.config.js says why the app applies it). */
const limitRequestBodies: Handle = ({ event, resolve }) => {
	if (event.url.pathname !== UPLOAD_PATH) event.request = limitBody(event.request, BODY_LIMIT);
	return resolve(event);
};

export const handle = sequence(countRequest, assignRequestId, logRequest, limitRequestBodies, securityHeaders, guardCrossSite, authenticate, applyTheme);

/** Unexpected errors: log with the request id, show the user a safe message with that id. */
export const handleError: HandleServerError = ({ error, event, status }) => {
	const requestId = event.locals.requestId;
	if (status >= 500) logger.error({ err: error, requestId, path: event.url.pathname }, 'unhandled error');
	return { message: status === 404 ? 'Page not found' : 'Something went wrong on our side.', requestId };
};

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db';
import { METRICS_CONTENT_TYPE, renderMetrics } from './cluster';

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * GET /metrics. Without METRICS_TOKEN configured the endpoint doesn't exist (404: nothing to
 * probe for); with it, only `Authorization: Bearer <token>` gets the Prometheus text (else 401).
 */
export async function metricsResponse(authorization: string | null, configuredToken: string | undefined, openDb: () => Promise<Database>): Promise<Response> {
	if (!configuredToken) return new Response('Not found\n', { status: 404, headers: NO_STORE });
	if (!bearerMatches(authorization, configuredToken)) {
		return new Response('Unauthorized\n', { status: 401, headers: { ...NO_STORE, 'www-authenticate': 'Bearer realm="metrics"' } });
	}
	const db = await openDb().catch(() => null);
	return new Response(await renderMetrics(db), { headers: { ...NO_STORE, 'content-type': METRICS_CONTENT_TYPE } });
}

/** Constant-time comparison (of digests, so the lengths match too). */
function bearerMatches(authorization: string | null, token: string): boolean {
	const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
	if (!presented) return false;
	const digest = (value: string) => createHash('sha256').update(value).digest();
	return timingSafeEqual(digest(presented), digest(token));
}

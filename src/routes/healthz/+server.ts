import { json } from '@sveltejs/kit';
import { getDatabase } from '$lib/server/db';
import { checkHealth } from '$lib/server/health/health.service';
import type { RequestHandler } from './$types';

/** Liveness + readiness for load balancers: 200 with the database round trip, 503 without it. */
export const GET: RequestHandler = async () => {
	const report = await checkHealth(getDatabase);
	return json(report, {
		status: report.status === 'ok' ? 200 : 503,
		headers: { 'cache-control': 'no-store' }
	});
};

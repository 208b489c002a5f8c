import { getDatabase } from '$lib/server/db';
import { env } from '$lib/server/env';
import { metricsResponse } from '$lib/server/metrics';
import type { RequestHandler } from './$types';

/** Prometheus metrics of this process plus a few cluster figures; needs METRICS_TOKEN (see README). */
export const GET: RequestHandler = ({ request }) => metricsResponse(request.headers.get('authorization'), env().METRICS_TOKEN, getDatabase);

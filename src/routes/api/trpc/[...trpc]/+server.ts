import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { logger } from '$lib/server/logging/logger';
import { createRequestContext } from '$lib/server/trpc/context';
import { appRouter } from '$lib/server/trpc/router';
import { MAX_BATCH_SIZE } from '$lib/trpc/limits';
import type { RequestHandler } from './$types';

const handler: RequestHandler = (event) =>
	fetchRequestHandler({
		endpoint: '/api/trpc',
		req: event.request,
		router: appRouter,
		maxBatchSize: MAX_BATCH_SIZE,
		createContext: () => createRequestContext(event),
		onError({ error, path, type }) {
			// Expected failures (bad input, not found, forbidden) are the caller's business; log the rest.
			if (error.code === 'INTERNAL_SERVER_ERROR' || error.code === 'SERVICE_UNAVAILABLE') {
				logger.error({ err: error.cause ?? error, path, type, requestId: event.locals.requestId }, 'tRPC procedure failed');
			}
		}
	});

export const GET = handler;
export const POST = handler;

import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { logger } from '$lib/server/logging/logger';
import { createRequestContext } from '$lib/server/trpc/context';
import { appRouter } from '$lib/server/trpc/router';
import { MAX_BATCH_SIZE } from '$lib/trpc/limits';
import type { RequestHandler } from './$types';

const handler: RequestHandler = async (event) => {
	const response = await fetchRequestHandler({
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
	// A request refused before its body was read to the end (signed out, too large, wrong method)
	// leaves the unread bytes on the kept-alive connection, and the client's next request there
	// would wait for the keep-alive timeout (5 s). Closing it makes the client open a fresh one.
	if (event.request.body !== null && (!event.request.bodyUsed || response.status >= 400)) response.headers.set('connection', 'close');
	return response;
};

export const GET = handler;
export const POST = handler;

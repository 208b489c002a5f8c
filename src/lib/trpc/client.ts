import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from '$lib/server/trpc/router';
import { MAX_BATCH_SIZE } from './limits';

export type { AppRouter };

export interface ApiClientOptions {
	/** Origin to call; '' (same origin) in the browser, e.g. http://127.0.0.1:3000 from Node. */
	baseUrl?: string;
	/** SvelteKit's `fetch` in load functions, or a custom one. */
	fetch?: typeof fetch;
	headers?: () => Record<string, string>;
	/** Node has no global EventSource before v22: pass the `eventsource` package's class. */
	EventSource?: typeof globalThis.EventSource;
}

/** A typed client of the whole API: queries and mutations batched over HTTP, subscriptions over SSE. */
export function createApiClient(options: ApiClientOptions = {}) {
	const url = `${options.baseUrl ?? ''}/api/trpc`;
	return createTRPCClient<AppRouter>({
		links: [
			splitLink({
				condition: (op) => op.type === 'subscription',
				true: httpSubscriptionLink({ url, transformer: superjson, ...(options.EventSource ? { EventSource: options.EventSource } : {}) }),
				false: httpBatchLink({ url, transformer: superjson, maxItems: MAX_BATCH_SIZE, ...(options.fetch ? { fetch: options.fetch } : {}), headers: options.headers ?? (() => ({})) })
			})
		]
	});
}

export type ApiClient = ReturnType<typeof createApiClient>;

import { z } from 'zod';

/** A SvelteKit route id such as `/chat/[id]` — never the concrete URL, which may hold a share token. */
export const routeId = z
	.string()
	.max(200)
	.regex(/^\/[\w\-/[\]().=]*$/, 'a route id such as /chat/[id]');

/**
 * The events a browser may report through analytics.track. Everything else is recorded by the
 * server itself. Small and strict, so the endpoint can't be used to store arbitrary data.
 */
export const trackEventInput = z.discriminatedUnion('type', [z.strictObject({ type: z.literal('page_view'), data: z.strictObject({ route: routeId }) })]);

export type TrackEventInput = z.infer<typeof trackEventInput>;

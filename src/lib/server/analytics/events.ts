import { z } from 'zod';
import { routeId } from '../../schemas/analytics';

/**
 * Every analytics event AirAssist may record, with the only fields its event_data may hold.
 * Schemas are strict: an unknown key fails validation and the event is dropped, so message text,
 * prompts, passwords or tokens can't reach analytics_events by accident. Payloads carry
 * identifiers, names from fixed sets, counts and flags — never free text.
 */

const modelName = z.string().regex(/^[\w.:/@-]{1,100}$/, 'a model name');
const count = z.number().int().min(0).max(1_000_000_000);

export const EVENT_DATA = {
	sign_up: z.strictObject({}),
	sign_in: z.strictObject({ via: z.enum(['password']).optional() }),
	sign_out: z.strictObject({}),
	settings_changed: z.strictObject({ fields: z.array(z.string().regex(/^[a-zA-Z]{1,40}$/)).max(20) }),
	// Recorded by the chat pipeline; the chat's id goes in the event's chatId, not in the data.
	chat_created: z.strictObject({ model: modelName.optional() }),
	message_sent: z.strictObject({ model: modelName.optional(), characters: count.optional(), knowledgeBase: z.boolean().optional() }),
	message_regenerated: z.strictObject({ model: modelName.optional() }),
	generation_stopped: z.strictObject({
		model: modelName.optional(),
		reason: z.enum(['user', 'abandoned', 'superseded']).optional(),
		completionTokens: count.optional()
	}),
	// For the knowledge base (a later issue).
	knowledge_document_added: z.strictObject({ format: z.string().regex(/^[a-z0-9.+-]{1,20}$/).optional(), bytes: count.optional() }),
	knowledge_document_deleted: z.strictObject({}),
	knowledge_searched: z.strictObject({ results: count.optional() }),
	// The only events browsers may send (analytics.track).
	page_view: z.strictObject({ route: routeId })
} as const;

export type AnalyticsEventType = keyof typeof EVENT_DATA;
export type EventData<Type extends AnalyticsEventType> = z.input<(typeof EVENT_DATA)[Type]>;

export const CLIENT_EVENT_TYPES = ['page_view'] as const satisfies readonly AnalyticsEventType[];
export type ClientEventType = (typeof CLIENT_EVENT_TYPES)[number];

export const ANALYTICS_EVENT_TYPES = Object.keys(EVENT_DATA) as AnalyticsEventType[];

/** Who and where, when known. The user agent is trimmed; the address must parse as an IP. */
export interface EventOrigin {
	ip?: string | null;
	userAgent?: string | null;
}

/** `data` may be left out when every field of the type is optional. */
type DataField<Type extends AnalyticsEventType> = Record<never, never> extends EventData<Type> ? { data?: EventData<Type> } : { data: EventData<Type> };

/** One event, typed by its type: `data` must match that type's schema. */
export type AnalyticsEvent = {
	[Type in AnalyticsEventType]: {
		type: Type;
		userId: string | null;
		/** The chat it happened in, if any (analytics_events.session_id). */
		chatId?: string | null;
		request?: EventOrigin;
	} & DataField<Type>;
}[AnalyticsEventType];

/** What may be stored in event_data: the output of one of the schemas above. */
export type EventPayload = z.output<(typeof EVENT_DATA)[AnalyticsEventType]>;

/** Validated event_data, or an error message naming what was wrong. */
export function parseEventData(type: AnalyticsEventType, data: unknown): { ok: true; data: EventPayload } | { ok: false; error: string } {
	const schema = EVENT_DATA[type];
	if (!schema) return { ok: false, error: `unknown event type ${type}` };
	const result = schema.safeParse(data ?? {});
	if (!result.success) return { ok: false, error: result.error.issues.map((issue) => `${issue.path.join('.') || '(data)'}: ${issue.message}`).join('; ') };
	return { ok: true, data: result.data };
}

import type { ThreadMessage } from './types';

/**
 * A message not (yet) read from the database: a draft shown before the server answers, or an
 * answer that could not be saved. Everything unknown is null; `fields` fills in what is known.
 */
export function unsavedMessage(fields: Pick<ThreadMessage, 'id' | 'sessionId' | 'role' | 'content'> & Partial<ThreadMessage>): ThreadMessage {
	return {
		parentId: null,
		status: 'complete',
		model: null,
		promptTokens: null,
		completionTokens: null,
		totalTokens: null,
		costUsd: null,
		timeToFirstTokenMs: null,
		responseTimeMs: null,
		finishReason: null,
		error: null,
		createdAt: new Date(),
		siblingIds: [fields.id],
		siblingIndex: 0,
		sources: [],
		...fields
	};
}

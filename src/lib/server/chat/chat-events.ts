import { recordEvent } from '../analytics';
import type { Database } from '../db';
import type { PreparedAnswer } from './answer/types';

/**
 * The chat pipeline's analytics events. They carry the model, counts and flags only — never the
 * question or the answer (the event schemas in analytics/events.ts reject any other field).
 */

/** A question was sent (send or edit); a first question in a new chat also records the chat. */
export function recordQuestionSent(db: Database, prepared: PreparedAnswer, knowledgeBase: boolean): void {
	const chat = { userId: prepared.userId, chatId: prepared.sessionId };
	if (prepared.isNewSession) recordEvent(db, { type: 'chat_created', ...chat, data: { model: prepared.model.modelName } });
	recordEvent(db, {
		type: 'message_sent',
		...chat,
		data: { model: prepared.model.modelName, characters: prepared.question.content?.length ?? 0, knowledgeBase }
	});
}

export function recordRegenerated(db: Database, prepared: PreparedAnswer): void {
	recordEvent(db, { type: 'message_regenerated', userId: prepared.userId, chatId: prepared.sessionId, data: { model: prepared.model.modelName } });
}

/** An answer ended early: stopped by its user, abandoned by every reader, or superseded (deleted chat, shutdown). */
export function recordStopped(db: Database, prepared: PreparedAnswer, reason: 'user' | 'abandoned' | 'superseded', completionTokens: number): void {
	recordEvent(db, {
		type: 'generation_stopped',
		userId: prepared.userId,
		chatId: prepared.sessionId,
		data: { model: prepared.model.modelName, reason, completionTokens }
	});
}

/** An empty chat made from the sidebar (a first send records its own chat_created). */
export function recordChatCreated(db: Database, userId: string, chatId: string, model: string | null): void {
	recordEvent(db, { type: 'chat_created', userId, chatId, data: model ? { model } : {} });
}

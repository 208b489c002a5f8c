import type { ChatKnowledgeState } from '$lib/chat/types';
import { asUser, type Database } from '../db';
import { AppError } from '../errors';
import { chatPreferencesOf, findSession, sessionKnowledgeSetting } from './message.repo';

/**
 * Whether answers in a chat use the knowledge base: the chat's own switch (chat_sessions.
 * use_knowledge_base, set by `chat.send` with `knowledge`), else the user's setting. Without a
 * chat (a new one) it is the user's setting, which the new chat starts from.
 */
export function chatKnowledgeState(db: Database, userId: string, sessionId: string | null): Promise<ChatKnowledgeState> {
	return asUser(db, userId, async (tx) => {
		const preferences = await chatPreferencesOf(tx, userId);
		if (sessionId === null) return { enabled: preferences.useKnowledgeBase, followsSettings: true };
		if (!(await findSession(tx, sessionId))) throw new AppError('NOT_FOUND', 'That chat does not exist or was deleted.');
		const own = await sessionKnowledgeSetting(tx, sessionId);
		return own === null ? { enabled: preferences.useKnowledgeBase, followsSettings: true } : { enabled: own, followsSettings: false };
	});
}

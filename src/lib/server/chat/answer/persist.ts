import type { ThreadMessage } from '$lib/chat/types';
import { asUser } from '../../db';
import { createSession, insertPendingAnswer, insertUserMessage, setSessionKnowledge, versionIds } from '../message.repo';
import { toThreadMessage } from '../message-view';
import type { ChatDeps, PreparedAnswer } from './types';

export interface PersistedExchange {
	sessionId: string;
	/** The new question (absent for a regeneration). */
	userMessage: ThreadMessage | null;
	assistantMessage: ThreadMessage;
}

/** Saves the question (and a new chat) with a pending answer, in one short transaction. */
export function persistExchange(deps: ChatDeps, prepared: PreparedAnswer): Promise<PersistedExchange> {
	return asUser(deps.db, prepared.userId, async (tx) => {
		const { sessionId, question } = prepared;
		if (prepared.isNewSession) await createSession(tx, { id: sessionId, userId: prepared.userId, title: prepared.newSessionTitle });
		if (prepared.knowledgeToggle !== undefined) await setSessionKnowledge(tx, sessionId, prepared.knowledgeToggle);
		let userMessage: ThreadMessage | null = null;
		if (question.content !== undefined) {
			const row = await insertUserMessage(tx, { id: question.id, sessionId, userId: prepared.userId, parentId: question.parentId, content: question.content });
			// Appending to a branch's end creates no siblings; only a new version needs its versions looked up.
			const versions = prepared.isNewVersion ? await versionIds(tx, sessionId, question.parentId) : [row.id];
			userMessage = toThreadMessage(row, { ids: versions, index: Math.max(0, versions.indexOf(row.id)) });
		}
		const answer = await insertPendingAnswer(tx, { id: prepared.answerId, sessionId, userId: prepared.userId, parentId: question.id, model: prepared.model.modelName });
		const answerVersions = question.content === undefined ? await versionIds(tx, sessionId, question.id) : [answer.id];
		return {
			sessionId,
			userMessage,
			assistantMessage: toThreadMessage(answer, { ids: answerVersions, index: Math.max(0, answerVersions.indexOf(answer.id)) })
		};
	});
}

import type { ChatSessionDetail, ChatSessionSummary } from '$lib/chat/types';
import type { ListSessionsInput } from '$lib/schemas/chat';
import { asUser, type Database } from '../db';
import { AppError } from '../errors';
import { listSessions, type SessionPage } from './session.repo';
import { sessionDetailSelect, sessionSummarySelect, toSessionDetail, toSessionSummary } from './session-view';
import { liveGenerations } from './stream-hub';

export function listChatSessions(db: Database, userId: string, input: ListSessionsInput): Promise<SessionPage> {
	return asUser(db, userId, (tx) => listSessions(tx, input));
}

export function createChatSession(db: Database, userId: string, input: { title?: string; model?: string | null }): Promise<ChatSessionDetail> {
	return asUser(db, userId, async (tx) =>
		toSessionDetail(
			await tx.chatSession.create({
				data: { userId, title: input.title ?? 'New chat', model: input.model ?? null, metadata: { autoTitle: input.title === undefined } },
				select: sessionDetailSelect
			})
		)
	);
}

/** Updates one of the caller's chats; NOT_FOUND for anyone else's (row level security hides them). */
async function updateSession(
	db: Database,
	userId: string,
	id: string,
	data: { title?: string; isPinned?: boolean; isArchived?: boolean; metadata?: { autoTitle: boolean } }
): Promise<ChatSessionSummary> {
	return asUser(db, userId, async (tx) => {
		const { count } = await tx.chatSession.updateMany({ where: { id }, data });
		if (count === 0) throw new AppError('NOT_FOUND', 'That chat does not exist or is not yours.');
		return toSessionSummary(await tx.chatSession.findUniqueOrThrow({ where: { id }, select: sessionSummarySelect }));
	});
}

export const renameChatSession = (db: Database, userId: string, id: string, title: string) =>
	// A title the user chose is never replaced by the automatic one.
	updateSession(db, userId, id, { title, metadata: { autoTitle: false } });
export const pinChatSession = (db: Database, userId: string, id: string, pinned: boolean) => updateSession(db, userId, id, { isPinned: pinned });
export const archiveChatSession = (db: Database, userId: string, id: string, archived: boolean) => updateSession(db, userId, id, { isArchived: archived });

/** Deletes a chat with its messages and shares; answers still being written there are stopped first. */
export async function deleteChatSession(db: Database, userId: string, id: string): Promise<void> {
	const inFlight = await asUser(db, userId, (tx) => tx.message.findMany({ where: { sessionId: id, status: { in: ['pending', 'streaming'] } }, select: { id: true } }));
	for (const message of inFlight) liveGenerations.get(message.id)?.stop('superseded');
	const { count } = await asUser(db, userId, (tx) => tx.chatSession.deleteMany({ where: { id } }));
	if (count === 0) throw new AppError('NOT_FOUND', 'That chat does not exist or is not yours.');
}

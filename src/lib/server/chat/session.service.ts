import type { ChatSessionDetail, ChatSessionSummary } from '$lib/chat/types';
import type { ListSessionsInput } from '$lib/schemas/chat';
import { asUser, type Database } from '../db';
import { AppError } from '../errors';
import { recordChatCreated } from './chat-events';
import { answersInFlight, deleteSessionRow, insertSession, listSessions, updateSessionRow, type SessionPage } from './session.repo';
import { toSessionDetail, toSessionSummary } from './session-view';
import { liveGenerations } from './stream-hub';

export function listChatSessions(db: Database, userId: string, input: ListSessionsInput): Promise<SessionPage> {
	return asUser(db, userId, (tx) => listSessions(tx, input));
}

export async function createChatSession(db: Database, userId: string, input: { title?: string; model?: string | null }): Promise<ChatSessionDetail> {
	const session = await asUser(db, userId, async (tx) =>
		toSessionDetail(await insertSession(tx, { userId, title: input.title ?? 'New chat', model: input.model ?? null, autoTitle: input.title === undefined }))
	);
	recordChatCreated(db, userId, session.id, input.model ?? null);
	return session;
}

/** Updates one of the caller's chats; NOT_FOUND for anyone else's (row level security hides them). */
async function updateSession(
	db: Database,
	userId: string,
	id: string,
	data: { title?: string; isPinned?: boolean; isArchived?: boolean; metadata?: { autoTitle: boolean } }
): Promise<ChatSessionSummary> {
	return asUser(db, userId, async (tx) => {
		const updated = await updateSessionRow(tx, id, data);
		if (!updated) throw new AppError('NOT_FOUND', 'That chat does not exist or is not yours.');
		return toSessionSummary(updated);
	});
}

export const renameChatSession = (db: Database, userId: string, id: string, title: string) =>
	// A title the user chose is never replaced by the automatic one.
	updateSession(db, userId, id, { title, metadata: { autoTitle: false } });
export const pinChatSession = (db: Database, userId: string, id: string, pinned: boolean) => updateSession(db, userId, id, { isPinned: pinned });
export const archiveChatSession = (db: Database, userId: string, id: string, archived: boolean) => updateSession(db, userId, id, { isArchived: archived });

/** Deletes a chat with its messages and shares; answers still being written there are stopped first. */
export async function deleteChatSession(db: Database, userId: string, id: string): Promise<void> {
	const inFlight = await asUser(db, userId, (tx) => answersInFlight(tx, id));
	for (const messageId of inFlight) liveGenerations.get(messageId)?.stop('superseded');
	const deleted = await asUser(db, userId, (tx) => deleteSessionRow(tx, id));
	if (!deleted) throw new AppError('NOT_FOUND', 'That chat does not exist or is not yours.');
}

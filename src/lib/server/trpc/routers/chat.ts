import {
	archiveSessionInput,
	createSessionInput,
	editMessageInput,
	exportInput,
	listMessagesInput,
	listSessionsInput,
	messageIdInput,
	pinSessionInput,
	regenerateInput,
	renameSessionInput,
	sendMessageInput,
	knowledgeStateInput,
	sessionIdInput,
	shareIdInput
} from '$lib/schemas/chat';
import { assertAnswerVisible } from '../../chat/answer-access';
import { editAndResend, getSession, listThread, regenerateAnswer, sendMessage, stopAnswer, streamAnswer, switchBranch } from '../../chat/chat.service';
import { exportChat } from '../../chat/export.service';
import { chatModelOptions } from '../../chat/models.service';
import { archiveChatSession, createChatSession, deleteChatSession, listChatSessions, pinChatSession, renameChatSession } from '../../chat/session.service';
import { chatKnowledgeState } from '../../chat/knowledge-toggle.service';
import { createShare, listShares, revokeShare } from '../../chat/share.service';
import { asUser } from '../../db';
import { router } from '../init';
import { authedProcedure } from '../procedures';

export const chatRouter = router({
	/** Chat models the caller's tier allows, the default, and whether answers come from the offline assistant. */
	models: authedProcedure.query(({ ctx }) => asUser(ctx.db, ctx.user.id, (tx) => chatModelOptions(tx, ctx.user.id))),

	sessions: router({
		list: authedProcedure.input(listSessionsInput).query(({ ctx, input }) => listChatSessions(ctx.db, ctx.user.id, input)),
		get: authedProcedure.input(sessionIdInput).query(({ ctx, input }) => getSession(ctx, ctx.user.id, input.id)),
		create: authedProcedure.input(createSessionInput).mutation(({ ctx, input }) => createChatSession(ctx.db, ctx.user.id, input)),
		rename: authedProcedure.input(renameSessionInput).mutation(({ ctx, input }) => renameChatSession(ctx.db, ctx.user.id, input.id, input.title)),
		pin: authedProcedure.input(pinSessionInput).mutation(({ ctx, input }) => pinChatSession(ctx.db, ctx.user.id, input.id, input.pinned)),
		archive: authedProcedure.input(archiveSessionInput).mutation(({ ctx, input }) => archiveChatSession(ctx.db, ctx.user.id, input.id, input.archived)),
		delete: authedProcedure.input(sessionIdInput).mutation(async ({ ctx, input }) => {
			await deleteChatSession(ctx.db, ctx.user.id, input.id);
			return { deleted: true as const };
		})
	}),

	messages: router({
		/** The chat's current branch, oldest first; `nextCursor` pages towards older messages. */
		list: authedProcedure.input(listMessagesInput).query(({ ctx, input }) => listThread(ctx, ctx.user.id, input))
	}),

	/**
	 * Saves the message and starts the answer; stream it with `chat.stream`. Sending is a mutation
	 * (a POST body) because an SSE subscription carries its input in the URL, and pasted texts are long.
	 */
	/** The chat's effective knowledge base switch (the composer's toggle). */
	knowledge: authedProcedure.input(knowledgeStateInput).query(({ ctx, input }) => chatKnowledgeState(ctx.db, ctx.user.id, input.sessionId)),
	send: authedProcedure.input(sendMessageInput).mutation(({ ctx, input }) => sendMessage(ctx, ctx.user.id, input)),

	/** Snapshot, deltas, then the saved answer. Closing it doesn't stop the answer; `chat.stop` does. */
	stream: authedProcedure.input(messageIdInput).subscription(async ({ ctx, input, signal }) => {
		await assertAnswerVisible(ctx.db, ctx.user.id, input.messageId);
		return streamAnswer(ctx, ctx.user.id, input.messageId, signal);
	}),

	stop: authedProcedure.input(messageIdInput).mutation(({ ctx, input }) => stopAnswer(ctx, ctx.user.id, input.messageId)),
	regenerate: authedProcedure.input(regenerateInput).mutation(({ ctx, input }) => regenerateAnswer(ctx, ctx.user.id, input.messageId, input.model)),
	edit: authedProcedure.input(editMessageInput).mutation(({ ctx, input }) => editAndResend(ctx, ctx.user.id, input.messageId, input.content)),
	switchBranch: authedProcedure.input(messageIdInput).mutation(({ ctx, input }) => switchBranch(ctx, ctx.user.id, input.messageId)),
	export: authedProcedure.input(exportInput).mutation(({ ctx, input }) => exportChat(ctx.db, ctx.user.id, input.sessionId, input.format)),

	shares: router({
		create: authedProcedure.input(shareIdInput).mutation(({ ctx, input }) => createShare(ctx.db, ctx.user.id, input.id)),
		list: authedProcedure.input(shareIdInput).query(({ ctx, input }) => listShares(ctx.db, ctx.user.id, input.id)),
		revoke: authedProcedure.input(shareIdInput).mutation(async ({ ctx, input }) => {
			await revokeShare(ctx.db, ctx.user.id, input.id);
			return { revoked: true as const };
		})
	})
});

import { z } from 'zod';

/** Users paste long texts: 100 KB of prose must go through, so the cap is well above it. */
export const MAX_MESSAGE_CHARS = 200_000;

const id = z.uuid('Not a valid id');

export const messageContent = z
	.string()
	.max(MAX_MESSAGE_CHARS, `Messages can be at most ${MAX_MESSAGE_CHARS.toLocaleString('en')} characters`)
	.refine((value) => value.trim().length > 0, 'Write a message first');

export const sessionTitle = z.string().trim().min(1, 'Give the chat a title').max(200, 'Use at most 200 characters');

export const listSessionsInput = z.object({
	cursor: z.string().max(500).nullish(),
	limit: z.number().int().min(1).max(100).default(30),
	search: z.string().trim().max(200).optional(),
	archived: z.boolean().default(false)
});

export const createSessionInput = z.object({ title: sessionTitle.optional(), model: z.string().max(200).nullish() });
export const sessionIdInput = z.object({ id });
export const renameSessionInput = z.object({ id, title: sessionTitle });
export const pinSessionInput = z.object({ id, pinned: z.boolean() });
export const archiveSessionInput = z.object({ id, archived: z.boolean() });

export const listMessagesInput = z.object({
	sessionId: id,
	cursor: z.string().max(500).nullish(),
	limit: z.number().int().min(1).max(200).default(100)
});

export const sendMessageInput = z.object({
	/** null or absent: start a new chat with this message. */
	sessionId: id.nullish(),
	content: messageContent,
	model: z.string().max(200).nullish(),
	/** Answer under this message instead of the chat's current branch (rarely needed by clients). */
	parentId: id.nullish()
});

export const messageIdInput = z.object({ messageId: id });
export const regenerateInput = z.object({ messageId: id, model: z.string().max(200).nullish() });
export const editMessageInput = z.object({ messageId: id, content: messageContent });
export const exportInput = z.object({ sessionId: id, format: z.enum(['markdown', 'json']) });
export const shareIdInput = z.object({ id });

export type ListSessionsInput = z.infer<typeof listSessionsInput>;
export type SendMessageInput = z.infer<typeof sendMessageInput>;

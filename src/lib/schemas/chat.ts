import { z } from 'zod';
import { tokenText, userText } from './text';

/** Users paste long texts: 100 KB of prose must go through, so the cap is well above it. */
export const MAX_MESSAGE_CHARS = 200_000;

/**
 * The server refuses request bodies over 512 KB (adapter-node's BODY_SIZE_LIMIT), counted in bytes
 * of UTF-8 JSON, where a Chinese character takes 3 bytes and a control character 6. So a message is
 * also capped by that measure, leaving room for the rest of the request: whatever a script or the
 * composer sends within both caps fits in the body.
 */
export const MAX_MESSAGE_BYTES = 500_000;

/** Exactly the bytes `JSON.stringify(text)` takes in UTF-8, without building that string. */
export function encodedSize(text: string): number {
	let bytes = 2;
	for (let i = 0; i < text.length; i++) {
		const unit = text.charCodeAt(i);
		if (unit === 0x22 || unit === 0x5c) bytes += 2;
		else if (unit < 0x20) bytes += unit === 0x08 || unit === 0x09 || unit === 0x0a || unit === 0x0c || unit === 0x0d ? 2 : 6;
		else if (unit < 0x80) bytes += 1;
		else if (unit < 0x800) bytes += 2;
		else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
			bytes += 4;
			i++;
		} else if (unit >= 0xd800 && unit <= 0xdfff) bytes += 6; // a lone surrogate is written as \udxxx
		else bytes += 3;
	}
	return bytes;
}

function isLowSurrogate(unit: number): boolean {
	return unit >= 0xdc00 && unit <= 0xdfff;
}

export const MESSAGE_TOO_LARGE = `This message is too large to send (at most ${MAX_MESSAGE_BYTES / 1000} KB): Chinese, Japanese and Korean characters and emoji take 3–4 times the room of Latin letters. Send it in parts.`;

const id = z.uuid('Not a valid id');
const modelId = tokenText('A model id').max(200).nullish();
const cursor = tokenText('A cursor').max(500).nullish();

export const messageContent = userText()
	.max(MAX_MESSAGE_CHARS, `Messages can be at most ${MAX_MESSAGE_CHARS.toLocaleString('en')} characters`)
	.refine((value) => value.trim().length > 0, 'Write a message first')
	.refine((value) => encodedSize(value) <= MAX_MESSAGE_BYTES, MESSAGE_TOO_LARGE);

export const sessionTitle = userText().trim().min(1, 'Give the chat a title').max(200, 'Use at most 200 characters');

export const listSessionsInput = z.object({
	cursor,
	limit: z.number().int().min(1).max(100).default(30),
	search: userText().trim().max(200).optional(),
	archived: z.boolean().default(false)
});

export const createSessionInput = z.object({ title: sessionTitle.optional(), model: modelId });
export const sessionIdInput = z.object({ id });

/** A chat, or null for the one about to start. */
export const knowledgeStateInput = z.object({ sessionId: id.nullable() });
export const renameSessionInput = z.object({ id, title: sessionTitle });
export const pinSessionInput = z.object({ id, pinned: z.boolean() });
export const archiveSessionInput = z.object({ id, archived: z.boolean() });

export const listMessagesInput = z.object({
	sessionId: id,
	cursor,
	limit: z.number().int().min(1).max(200).default(100)
});

export const sendMessageInput = z.object({
	/** null or absent: start a new chat with this message. */
	sessionId: id.nullish(),
	content: messageContent,
	model: modelId,
	/** Answer under this message instead of the chat's current branch (rarely needed by clients). */
	parentId: id.nullish(),
	/** Ground the answer in the knowledge base; remembered for the chat. Absent: the chat's or the user's setting. */
	knowledge: z.boolean().optional()
});

export const messageIdInput = z.object({ messageId: id });
export const regenerateInput = z.object({ messageId: id, model: modelId });
export const editMessageInput = z.object({ messageId: id, content: messageContent });
export const exportInput = z.object({ sessionId: id, format: z.enum(['markdown', 'json']) });
export const shareIdInput = z.object({ id });

export type ListSessionsInput = z.infer<typeof listSessionsInput>;
export type SendMessageInput = z.infer<typeof sendMessageInput>;

import { z } from 'zod';
import type { MessageRole, MessageStatus, ThreadMessage } from '$lib/chat/types';
import type { MessageSource } from '$lib/knowledge/types';
import type { Prisma } from '../db/generated/client';

/** The columns a ThreadMessage is made from; every message query selects exactly these. */
export const messageSelect = {
	id: true,
	sessionId: true,
	parentId: true,
	role: true,
	content: true,
	status: true,
	model: true,
	promptTokens: true,
	completionTokens: true,
	totalTokens: true,
	costUsd: true,
	timeToFirstTokenMs: true,
	responseTimeMs: true,
	finishReason: true,
	metadata: true,
	createdAt: true
} as const satisfies Prisma.MessageSelect;

export type MessageRow = Prisma.MessageGetPayload<{ select: typeof messageSelect }>;

const ROLES: readonly MessageRole[] = ['system', 'user', 'assistant'];
const STATUSES: readonly MessageStatus[] = ['pending', 'streaming', 'complete', 'stopped', 'error'];

const sourceSchema = z.object({
	number: z.number().int().nullable(),
	chunkId: z.string(),
	documentId: z.string().nullable(),
	title: z.string(),
	source: z.string().nullable(),
	category: z.string().nullable(),
	headingPath: z.array(z.string()),
	page: z.number().int().nullable(),
	snippet: z.string(),
	score: z.number(),
	textScore: z.number().nullable(),
	similarity: z.number().nullable(),
	used: z.boolean()
}) satisfies z.ZodType<MessageSource>;

const sourcesSchema = z.object({ sources: z.array(sourceSchema) });

/** The knowledge base sources the finish step stored in metadata.sources (none for older answers). */
export function sourcesOf(metadata: Prisma.JsonValue): MessageSource[] {
	const parsed = sourcesSchema.safeParse(metadata);
	return parsed.success ? parsed.data.sources : [];
}

/** The readable failure reason the generator stores in metadata.error. */
export function errorOf(metadata: Prisma.JsonValue): string | null {
	if (metadata && typeof metadata === 'object' && !Array.isArray(metadata)) {
		const error = metadata.error;
		return typeof error === 'string' ? error : null;
	}
	return null;
}

export function toThreadMessage(row: MessageRow, siblings: { ids: string[]; index: number } = { ids: [row.id], index: 0 }): ThreadMessage {
	return {
		id: row.id,
		sessionId: row.sessionId,
		parentId: row.parentId,
		role: ROLES.find((role) => role === row.role) ?? 'user',
		content: row.content,
		status: STATUSES.find((status) => status === row.status) ?? 'complete',
		model: row.model,
		promptTokens: row.promptTokens,
		completionTokens: row.completionTokens,
		totalTokens: row.totalTokens,
		costUsd: row.costUsd === null ? null : row.costUsd.toFixed(6),
		timeToFirstTokenMs: row.timeToFirstTokenMs,
		responseTimeMs: row.responseTimeMs,
		finishReason: row.finishReason,
		error: errorOf(row.metadata),
		createdAt: row.createdAt,
		siblingIds: siblings.ids,
		siblingIndex: siblings.index,
		sources: sourcesOf(row.metadata)
	};
}

import type { ChatSessionDetail, ChatSessionSummary } from '$lib/chat/types';
import type { Prisma } from '../db/generated/client';

export const sessionSummarySelect = {
	id: true,
	title: true,
	model: true,
	isPinned: true,
	isArchived: true,
	messageCount: true,
	createdAt: true,
	updatedAt: true,
	lastMessageAt: true
} as const satisfies Prisma.ChatSessionSelect;

export const sessionDetailSelect = {
	...sessionSummarySelect,
	systemPrompt: true,
	currentLeafId: true,
	totalTokens: true,
	totalCostUsd: true
} as const satisfies Prisma.ChatSessionSelect;

type SummaryRow = Prisma.ChatSessionGetPayload<{ select: typeof sessionSummarySelect }>;
type DetailRow = Prisma.ChatSessionGetPayload<{ select: typeof sessionDetailSelect }>;

export function toSessionSummary(row: SummaryRow): ChatSessionSummary {
	return { ...row };
}

export function toSessionDetail(row: DetailRow): ChatSessionDetail {
	return { ...row, totalTokens: Number(row.totalTokens), totalCostUsd: row.totalCostUsd.toFixed(6) };
}

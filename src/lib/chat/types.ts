import type { MessageSource } from '$lib/knowledge/types';

import type { QuotaWarning } from '$lib/usage/types';

/**
 * What the chat API returns. Plain data (no Prisma types), shared by the server and the pages.
 */
export type MessageRole = 'system' | 'user' | 'assistant';
export type MessageStatus = 'pending' | 'streaming' | 'complete' | 'stopped' | 'error';

export interface ChatSessionSummary {
	id: string;
	title: string;
	model: string | null;
	isPinned: boolean;
	isArchived: boolean;
	messageCount: number;
	createdAt: Date;
	updatedAt: Date;
	lastMessageAt: Date | null;
}

export interface ChatSessionDetail extends ChatSessionSummary {
	systemPrompt: string | null;
	currentLeafId: string | null;
	totalTokens: number;
	/** USD as a decimal string, e.g. "0.001250". */
	totalCostUsd: string;
}

/** Whether a chat's answers use the knowledge base, and whether that is the user's setting or the chat's own. */
export interface ChatKnowledgeState {
	enabled: boolean;
	followsSettings: boolean;
}

export interface ThreadMessage {
	id: string;
	sessionId: string;
	parentId: string | null;
	role: MessageRole;
	content: string;
	status: MessageStatus;
	model: string | null;
	promptTokens: number | null;
	completionTokens: number | null;
	totalTokens: number | null;
	/** USD as a decimal string, or null when not priced. */
	costUsd: string | null;
	timeToFirstTokenMs: number | null;
	responseTimeMs: number | null;
	finishReason: string | null;
	/** A readable reason when status is 'error'. */
	error: string | null;
	createdAt: Date;
	/** Versions of this message (same parent, same role), oldest first; includes this one. */
	siblingIds: string[];
	siblingIndex: number;
	/** Knowledge base passages a grounded answer was given ([n] in its text), and those cut for the context window. */
	sources: MessageSource[];
}

export interface ChatModelOption {
	modelName: string;
	displayName: string;
	provider: 'openai' | 'openai-compatible' | 'offline';
	isDefault: boolean;
	/** True when this model would be answered by the offline assistant (no key or server configured). */
	offline: boolean;
	/** What the admin wrote about it, if anything. */
	description: string | null;
}

export type ChatStreamEvent =
	| { type: 'snapshot'; content: string; status: MessageStatus }
	| { type: 'delta'; text: string }
	| { type: 'done'; message: ThreadMessage };

export interface SendResult {
	sessionId: string;
	userMessage: ThreadMessage;
	assistantMessage: ThreadMessage;
	/** The answer comes from the offline assistant (no model configured). */
	offlineMode: boolean;
	/** Limits at 80 % or more after this message: the page warns before the user hits one. */
	quotaWarnings: QuotaWarning[];
}

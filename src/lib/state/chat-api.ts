/**
 * What the chat pages need from the server, as one small interface: the state classes depend on
 * it rather than on the tRPC client, so unit tests can give them a fake. `createChatApi` is the
 * real one; the compiler checks it against the router's types.
 */
import { TRPCClientError } from '@trpc/client';
import type { ChatKnowledgeState, ChatModelOption, ChatSessionDetail, ChatSessionSummary, ChatStreamEvent, SendResult, ThreadMessage } from '$lib/chat/types';
import { createApiClient, type ApiClient } from '$lib/trpc/client';

export interface ModelChoice {
	models: ChatModelOption[];
	defaultModel: string;
	offlineMode: boolean;
}

export interface Page<T> {
	items: T[];
	nextCursor: string | null;
}

export interface SessionQuery {
	search?: string;
	cursor?: string | null;
	archived?: boolean;
}

export interface ChatExport {
	filename: string;
	mimeType: string;
	content: string;
}

export interface ShareLink {
	id: string;
	path: string;
	createdAt: Date;
	revokedAt: Date | null;
}

export interface StreamHandlers {
	onEvent(event: ChatStreamEvent): void;
	onError(error: unknown): void;
}

export interface ChatApi {
	models(): Promise<ModelChoice>;
	listSessions(query: SessionQuery): Promise<Page<ChatSessionSummary>>;
	getSession(id: string): Promise<ChatSessionDetail>;
	renameSession(id: string, title: string): Promise<ChatSessionSummary>;
	pinSession(id: string, pinned: boolean): Promise<ChatSessionSummary>;
	archiveSession(id: string, archived: boolean): Promise<ChatSessionSummary>;
	deleteSession(id: string): Promise<void>;
	listMessages(sessionId: string, cursor?: string | null): Promise<Page<ThreadMessage>>;
	send(input: { sessionId: string | null; content: string; model: string | null; knowledge?: boolean }): Promise<SendResult>;
	knowledgeState(sessionId: string | null): Promise<ChatKnowledgeState>;
	/** Subscribes to an answer: snapshot, deltas, done. Returns the unsubscribe function. */
	stream(messageId: string, handlers: StreamHandlers): () => void;
	stop(messageId: string): Promise<boolean>;
	regenerate(messageId: string, model: string | null): Promise<ThreadMessage>;
	edit(messageId: string, content: string): Promise<{ userMessage: ThreadMessage; assistantMessage: ThreadMessage }>;
	switchBranch(messageId: string): Promise<string>;
	exportChat(sessionId: string, format: 'markdown' | 'json'): Promise<ChatExport>;
	createShare(sessionId: string): Promise<{ id: string; token: string; path: string }>;
	listShares(sessionId: string): Promise<ShareLink[]>;
	revokeShare(id: string): Promise<void>;
}

export function createChatApi(client: ApiClient = createApiClient()): ChatApi {
	const chat = client.chat;
	return {
		models: () => chat.models.query(),
		listSessions: (query) => chat.sessions.list.query(query),
		getSession: (id) => chat.sessions.get.query({ id }),
		renameSession: (id, title) => chat.sessions.rename.mutate({ id, title }),
		pinSession: (id, pinned) => chat.sessions.pin.mutate({ id, pinned }),
		archiveSession: (id, archived) => chat.sessions.archive.mutate({ id, archived }),
		deleteSession: async (id) => void (await chat.sessions.delete.mutate({ id })),
		listMessages: (sessionId, cursor) => chat.messages.list.query({ sessionId, cursor }),
		send: (input) => chat.send.mutate(input),
		knowledgeState: (sessionId) => chat.knowledge.query({ sessionId }),
		stream(messageId, handlers) {
			const subscription = chat.stream.subscribe({ messageId }, { onData: (event) => handlers.onEvent(event), onError: (error) => handlers.onError(error) });
			return () => subscription.unsubscribe();
		},
		stop: async (messageId) => (await chat.stop.mutate({ messageId })).stopped,
		regenerate: async (messageId, model) => (await chat.regenerate.mutate({ messageId, model })).assistantMessage,
		edit: (messageId, content) => chat.edit.mutate({ messageId, content }),
		switchBranch: async (messageId) => (await chat.switchBranch.mutate({ messageId })).currentLeafId,
		exportChat: (sessionId, format) => chat.export.mutate({ sessionId, format }),
		createShare: (sessionId) => chat.shares.create.mutate({ id: sessionId }),
		listShares: (sessionId) => chat.shares.list.query({ id: sessionId }),
		revokeShare: async (id) => void (await chat.shares.revoke.mutate({ id }))
	};
}

/** A sentence to show for a failed call: the server's safe message, or a plain fallback. */
export function describeError(error: unknown): string {
	if (error instanceof TRPCClientError) {
		const retryAfter: unknown = error.data?.retryAfterSeconds;
		const wait = typeof retryAfter === 'number' && retryAfter > 0 && !/\bsecond|minute|try again in\b/i.test(error.message) ? ` Try again in ${formatWait(retryAfter)}.` : '';
		// A failed fetch (server down, offline) has no server message worth showing.
		if (!error.data && /fetch|network/i.test(error.message)) return 'Could not reach the server. Check your connection and try again.';
		return `${error.message}${wait}`;
	}
	if (error instanceof Error && error.message) return error.message;
	return 'Something went wrong. Please try again.';
}

/** A quota refusal (TOO_MANY_REQUESTS with data.quota): which limit, and when it frees up. */
export interface QuotaWait {
	message: string;
	kind: string;
	/** Epoch milliseconds when sending is possible again. */
	until: number;
}

export function quotaWaitOf(error: unknown, now = Date.now()): QuotaWait | null {
	if (!(error instanceof TRPCClientError) || error.data?.code !== 'TOO_MANY_REQUESTS') return null;
	const quota: unknown = error.data?.quota;
	if (typeof quota !== 'object' || quota === null || !('kind' in quota) || !('retryAfterSeconds' in quota)) return null;
	const seconds = typeof quota.retryAfterSeconds === 'number' ? quota.retryAfterSeconds : 0;
	return { message: error.message, kind: String(quota.kind), until: now + seconds * 1000 };
}

/** True for an error meaning the chat or message doesn't exist (or isn't the user's). */
export function isNotFound(error: unknown): boolean {
	if (!(error instanceof TRPCClientError)) return false;
	const code: unknown = error.data?.code;
	return code === 'NOT_FOUND' || code === 'BAD_REQUEST' || code === 'FORBIDDEN';
}

function formatWait(seconds: number): string {
	if (seconds < 90) return `${Math.ceil(seconds)} seconds`;
	return `${Math.ceil(seconds / 60)} minutes`;
}

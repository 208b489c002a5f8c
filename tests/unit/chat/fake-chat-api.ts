import { unsavedMessage } from '../../../src/lib/chat/message';
import type { ChatSessionDetail, ChatSessionSummary, ThreadMessage } from '../../../src/lib/chat/types';
import type { ChatApi, StreamHandlers } from '../../../src/lib/state/chat-api';

/** A ChatApi whose answers tests set per call, and whose streams tests drive by hand. */
export function fakeChatApi(overrides: Partial<ChatApi> = {}) {
	const streams = new Map<string, StreamHandlers & { closed: boolean }>();
	const calls: { name: string; args: unknown[] }[] = [];
	const unexpected = (name: string) => () => Promise.reject(new Error(`unexpected call: ${name}`));
	const base: ChatApi = {
		models: unexpected('models'),
		listSessions: unexpected('listSessions'),
		getSession: unexpected('getSession'),
		renameSession: unexpected('renameSession'),
		pinSession: unexpected('pinSession'),
		archiveSession: unexpected('archiveSession'),
		deleteSession: unexpected('deleteSession'),
		listMessages: unexpected('listMessages'),
		send: unexpected('send'),
		knowledgeState: unexpected('knowledgeState'),
		stream(messageId, handlers) {
			const entry = { ...handlers, closed: false };
			streams.set(messageId, entry);
			return () => {
				entry.closed = true;
			};
		},
		stop: unexpected('stop'),
		regenerate: unexpected('regenerate'),
		edit: unexpected('edit'),
		switchBranch: unexpected('switchBranch'),
		exportChat: unexpected('exportChat'),
		createShare: unexpected('createShare'),
		listShares: unexpected('listShares'),
		revokeShare: unexpected('revokeShare'),
		...overrides
	};
	// Records every call, so tests can say what was asked of the server.
	const api = new Proxy(base, {
		get(target, property, receiver) {
			const value: unknown = Reflect.get(target, property, receiver);
			if (typeof value !== 'function') return value;
			return (...args: unknown[]) => {
				calls.push({ name: String(property), args });
				return Reflect.apply(value, target, args);
			};
		}
	});
	return { api, streams, calls };
}

const at = new Date('2025-01-01T10:00:00Z');

export function summary(id: string, overrides: Partial<ChatSessionSummary> = {}): ChatSessionSummary {
	return { id, title: `Chat ${id}`, model: null, isPinned: false, isArchived: false, messageCount: 0, createdAt: at, updatedAt: at, lastMessageAt: null, ...overrides };
}

export function detail(id: string, overrides: Partial<ChatSessionDetail> = {}): ChatSessionDetail {
	return { ...summary(id), systemPrompt: null, currentLeafId: null, totalTokens: 0, totalCostUsd: '0', ...overrides };
}

export function message(id: string, overrides: Partial<ThreadMessage> = {}): ThreadMessage {
	return unsavedMessage({ id, sessionId: 's1', role: 'user', content: `content of ${id}`, createdAt: at, ...overrides });
}

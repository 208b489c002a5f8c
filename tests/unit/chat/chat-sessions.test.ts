import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatSessionsState } from '../../../src/lib/state/chat-sessions.svelte';
import { fakeChatApi, summary } from './fake-chat-api';

const day = (n: number) => new Date(`2025-01-${String(n).padStart(2, '0')}T12:00:00Z`);

afterEach(() => vi.useRealTimers());

describe('ChatSessionsState', () => {
	it('keeps pinned chats first, then the most recent, as chats change', async () => {
		const { api } = fakeChatApi({
			listSessions: async () => ({ items: [summary('a', { isPinned: true, lastMessageAt: day(1) }), summary('b', { lastMessageAt: day(3) })], nextCursor: null }),
			renameSession: async (id, title) => summary(id, { title, lastMessageAt: day(2) }),
			pinSession: async (id, pinned) => summary(id, { isPinned: pinned, lastMessageAt: day(2) })
		});
		const sessions = new ChatSessionsState(api);
		await sessions.refresh();
		expect(sessions.pinned.map((s) => s.id)).toEqual(['a']);
		expect(sessions.recent.map((s) => s.id)).toEqual(['b']);

		sessions.upsert(summary('c', { lastMessageAt: day(5) }));
		expect(sessions.items.map((s) => s.id)).toEqual(['a', 'c', 'b']);
		expect(await sessions.pin('b', true)).toBeNull();
		expect(sessions.items.map((s) => s.id)).toEqual(['b', 'a', 'c']);
		expect(await sessions.rename('c', 'Renamed')).toBeNull();
		expect(sessions.find('c')?.title).toBe('Renamed');
	});

	it('archiving moves a chat out of the list; the archive view lists it', async () => {
		const { api, calls } = fakeChatApi({
			listSessions: async ({ archived }) => ({ items: archived ? [summary('a', { isArchived: true })] : [summary('a'), summary('b')], nextCursor: null }),
			archiveSession: async (id, archived) => summary(id, { isArchived: archived })
		});
		const sessions = new ChatSessionsState(api);
		await sessions.refresh();
		expect(await sessions.archive('a', true)).toBeNull();
		expect(sessions.items.map((s) => s.id)).toEqual(['b']);
		sessions.showArchived(true);
		await vi.waitFor(() => expect(sessions.items.map((s) => s.id)).toEqual(['a']));
		expect(calls.at(-1)?.args).toEqual([{ search: undefined, archived: true }]);
	});

	it('searches after a pause in typing, and drops answers to earlier searches', async () => {
		vi.useFakeTimers();
		const answers: Record<string, () => void> = {};
		const { api, calls } = fakeChatApi({
			listSessions: ({ search }) =>
				new Promise((resolve) => {
					answers[search ?? ''] = () => resolve({ items: [summary(search ?? 'all')], nextCursor: null });
				})
		});
		const sessions = new ChatSessionsState(api);
		sessions.setSearch('p');
		sessions.setSearch('pa');
		sessions.setSearch('pasta');
		await vi.advanceTimersByTimeAsync(300);
		expect(calls.map((call) => call.args[0])).toEqual([{ search: 'pasta', archived: false }]);

		sessions.setSearch('rice');
		await vi.advanceTimersByTimeAsync(300);
		answers.rice?.();
		answers.pasta?.();
		await vi.runAllTimersAsync();
		expect(sessions.items.map((s) => s.id)).toEqual(['rice']);
	});

	it('deleting removes the chat; a failure is reported and the list is kept', async () => {
		let fail = false;
		const { api } = fakeChatApi({
			listSessions: async () => ({ items: [summary('a'), summary('b')], nextCursor: null }),
			deleteSession: async () => {
				if (fail) throw new Error('Could not delete');
			}
		});
		const sessions = new ChatSessionsState(api);
		await sessions.refresh();
		expect(await sessions.remove('a')).toBeNull();
		fail = true;
		expect(await sessions.remove('b')).toBe('Could not delete');
		expect(sessions.items.map((s) => s.id)).toEqual(['b']);
	});

	it('loads further pages without duplicates', async () => {
		const { api } = fakeChatApi({
			listSessions: async ({ cursor }) =>
				cursor ? { items: [summary('b'), summary('c')], nextCursor: null } : { items: [summary('a'), summary('b')], nextCursor: 'next' }
		});
		const sessions = new ChatSessionsState(api);
		await sessions.refresh();
		await sessions.loadMore();
		expect(sessions.items.map((s) => s.id)).toEqual(['a', 'b', 'c']);
		expect(sessions.nextCursor).toBeNull();
	});
});

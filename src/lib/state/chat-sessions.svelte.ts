import type { ChatSessionSummary } from '$lib/chat/types';
import { describeError, type ChatApi } from './chat-api';

const SEARCH_DELAY_MS = 250;

/** Pinned first, then the most recent activity: the order the server lists them in. */
function compareSessions(a: ChatSessionSummary, b: ChatSessionSummary): number {
	if (a.isPinned !== b.isPinned) return a.isPinned ? -1 : 1;
	const activity = (session: ChatSessionSummary) => (session.lastMessageAt ?? session.updatedAt).getTime();
	return activity(b) - activity(a);
}

/** The sidebar: one page of chats at a time, searchable, with archived chats in a view of their own. */
export class ChatSessionsState {
	items = $state<ChatSessionSummary[]>([]);
	nextCursor = $state<string | null>(null);
	search = $state('');
	archived = $state(false);
	loading = $state(false);
	loaded = $state(false);
	error = $state<string | null>(null);

	readonly pinned = $derived(this.items.filter((session) => session.isPinned));
	readonly recent = $derived(this.items.filter((session) => !session.isPinned));

	#request = 0;
	#searchTimer: ReturnType<typeof setTimeout> | null = null;

	constructor(private readonly api: ChatApi) {}

	/** Reloads the first page; an answer that arrives after a newer request started is dropped. */
	async refresh(): Promise<void> {
		const request = ++this.#request;
		this.loading = true;
		try {
			const page = await this.api.listSessions({ search: this.search.trim() || undefined, archived: this.archived });
			if (request !== this.#request) return;
			this.items = page.items;
			this.nextCursor = page.nextCursor;
			this.error = null;
			this.loaded = true;
		} catch (error) {
			if (request === this.#request) this.error = describeError(error);
		} finally {
			if (request === this.#request) this.loading = false;
		}
	}

	async loadMore(): Promise<void> {
		if (!this.nextCursor || this.loading) return;
		const request = ++this.#request;
		this.loading = true;
		try {
			const page = await this.api.listSessions({ search: this.search.trim() || undefined, archived: this.archived, cursor: this.nextCursor });
			if (request !== this.#request) return;
			const known = new Set(this.items.map((session) => session.id));
			this.items = [...this.items, ...page.items.filter((session) => !known.has(session.id))];
			this.nextCursor = page.nextCursor;
		} catch (error) {
			if (request === this.#request) this.error = describeError(error);
		} finally {
			if (request === this.#request) this.loading = false;
		}
	}

	/** Typing in the search box: waits for a pause before asking the server. */
	setSearch(value: string): void {
		this.search = value;
		if (this.#searchTimer) clearTimeout(this.#searchTimer);
		this.#searchTimer = setTimeout(() => {
			this.#searchTimer = null;
			void this.refresh();
		}, SEARCH_DELAY_MS);
	}

	showArchived(archived: boolean): void {
		if (this.archived === archived) return;
		this.archived = archived;
		this.items = [];
		this.nextCursor = null;
		this.loaded = false;
		void this.refresh();
	}

	/** Puts a changed or new chat where it belongs, or drops it if it no longer fits this view. */
	upsert(session: ChatSessionSummary): void {
		const others = this.items.filter((item) => item.id !== session.id);
		const fits = session.isArchived === this.archived && (this.search.trim() === '' || this.items.some((item) => item.id === session.id));
		this.items = fits ? [...others, session].sort(compareSessions) : others;
	}

	/** Each action returns an error sentence, or null when it worked. */
	async rename(id: string, title: string): Promise<string | null> {
		return this.#update(() => this.api.renameSession(id, title));
	}

	async pin(id: string, pinned: boolean): Promise<string | null> {
		return this.#update(() => this.api.pinSession(id, pinned));
	}

	async archive(id: string, archived: boolean): Promise<string | null> {
		return this.#update(() => this.api.archiveSession(id, archived));
	}

	async remove(id: string): Promise<string | null> {
		try {
			await this.api.deleteSession(id);
			this.items = this.items.filter((item) => item.id !== id);
			return null;
		} catch (error) {
			return describeError(error);
		}
	}

	find(id: string | null): ChatSessionSummary | undefined {
		return id ? this.items.find((item) => item.id === id) : undefined;
	}

	dispose(): void {
		if (this.#searchTimer) clearTimeout(this.#searchTimer);
		this.#request++;
	}

	async #update(action: () => Promise<ChatSessionSummary>): Promise<string | null> {
		try {
			this.upsert(await action());
			return null;
		} catch (error) {
			return describeError(error);
		}
	}
}

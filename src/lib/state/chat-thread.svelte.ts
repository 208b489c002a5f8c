import { unsavedMessage } from '$lib/chat/message';
import type { ChatSessionDetail, ChatStreamEvent, ThreadMessage } from '$lib/chat/types';
import type { QuotaWarning } from '$lib/usage/types';
import { describeError, isNotFound, quotaWaitOf, type ChatApi, type QuotaWait } from './chat-api';

export type ThreadStatus = 'empty' | 'loading' | 'ready' | 'missing' | 'failed';

export interface ThreadOptions {
	/** Runs `flush` soon; deltas arriving meanwhile are applied together (one render per frame). */
	schedule?: (flush: () => void) => void;
	/** The title is written after the first answer is saved; how long to wait between looks for it. */
	titlePollMs?: number;
}

const isInFlight = (message: ThreadMessage) => message.role === 'assistant' && (message.status === 'pending' || message.status === 'streaming');

const defaultSchedule = (flush: () => void) => {
	if (typeof requestAnimationFrame === 'function') requestAnimationFrame(flush);
	else setTimeout(flush, 16);
};

let localIds = 0;

/**
 * One conversation: its messages on the current branch, the answer streaming into it, and the
 * actions on it (send, stop, regenerate, edit, switch version). Streams are joined by message id,
 * so a reloaded page picks up an answer in progress from its snapshot.
 */
export class ChatThreadState {
	sessionId = $state<string | null>(null);
	session = $state<ChatSessionDetail | null>(null);
	messages = $state<ThreadMessage[]>([]);
	olderCursor = $state<string | null>(null);
	status = $state<ThreadStatus>('empty');
	loadError = $state<string | null>(null);
	/** The last action that failed (send, stop, regenerate…), for an alert near the composer. */
	actionError = $state<string | null>(null);
	/** Set while a quota refuses messages: the composer keeps the text and counts down. */
	quotaWait = $state<QuotaWait | null>(null);
	/** Limits at 80 % or more after the last message. */
	quotaWarnings = $state<QuotaWarning[]>([]);
	sending = $state(false);
	stopping = $state(false);

	/** The answer being written, if any. */
	readonly active = $derived(this.messages.find(isInFlight) ?? null);
	readonly busy = $derived(this.sending || this.active !== null);

	/** Called when the chat's summary changes (a new chat, an answer saved, a title written). */
	onSessionChanged: ((session: ChatSessionDetail) => void) | null = null;

	#subscriptions = new Map<string, () => void>();
	#buffered = new Map<string, string>();
	#flushQueued = false;
	#timers = new Set<ReturnType<typeof setTimeout>>();
	#generation = 0;
	readonly #schedule: (flush: () => void) => void;
	readonly #titlePollMs: number;

	constructor(
		private readonly api: ChatApi,
		options: ThreadOptions = {}
	) {
		this.#schedule = options.schedule ?? defaultSchedule;
		this.#titlePollMs = options.titlePollMs ?? 1200;
	}

	/** A new, empty chat (the /chat page). */
	reset(): void {
		this.#leave();
		this.sessionId = null;
		this.session = null;
		this.messages = [];
		this.olderCursor = null;
		this.status = 'empty';
		this.loadError = null;
		this.actionError = null;
	}

	/** Shows chat `id`; does nothing if it is already shown (e.g. right after its first message). */
	async open(id: string): Promise<void> {
		if (this.sessionId === id && this.status !== 'failed' && this.status !== 'missing') return;
		this.#leave();
		const generation = this.#generation;
		this.sessionId = id;
		this.session = null;
		this.messages = [];
		this.olderCursor = null;
		this.status = 'loading';
		this.loadError = null;
		this.actionError = null;
		try {
			const [session, page] = await Promise.all([this.api.getSession(id), this.api.listMessages(id)]);
			if (generation !== this.#generation) return;
			this.session = session;
			this.#showBranch(page.items, page.nextCursor);
			this.status = 'ready';
		} catch (error) {
			if (generation !== this.#generation) return;
			this.status = isNotFound(error) ? 'missing' : 'failed';
			this.loadError = describeError(error);
		}
	}

	async loadOlder(): Promise<void> {
		const sessionId = this.sessionId;
		if (!sessionId || !this.olderCursor) return;
		try {
			const page = await this.api.listMessages(sessionId, this.olderCursor);
			if (sessionId !== this.sessionId) return;
			const known = new Set(this.messages.map((message) => message.id));
			this.messages = [...page.items.filter((message) => !known.has(message.id)), ...this.messages];
			this.olderCursor = page.nextCursor;
		} catch (error) {
			this.actionError = describeError(error);
		}
	}

	/**
	 * Sends a message (starting the chat if there is none yet). The message shows at once; if the
	 * server refuses it, it is taken back and false returned, so the composer can keep the text.
	 */
	async send(content: string, model: string | null, knowledge?: boolean): Promise<boolean> {
		if (this.busy) return false;
		const generation = this.#generation;
		const draft = this.#draftMessage(content);
		this.messages.push(draft);
		this.sending = true;
		this.actionError = null;
		try {
			const result = await this.api.send({ sessionId: this.sessionId, content, model, knowledge });
			this.quotaWait = null;
			this.quotaWarnings = result.quotaWarnings;
			if (generation !== this.#generation) return true;
			const index = this.messages.findIndex((message) => message.id === draft.id);
			this.messages.splice(index === -1 ? this.messages.length : index, 1, result.userMessage, result.assistantMessage);
			if (this.sessionId === null) {
				this.sessionId = result.sessionId;
				this.status = 'ready';
			}
			this.#follow(result.assistantMessage.id);
			void this.refreshSession();
			return true;
		} catch (error) {
			if (generation === this.#generation) {
				this.messages = this.messages.filter((message) => message.id !== draft.id);
				this.quotaWait = quotaWaitOf(error);
				if (!this.quotaWait) this.actionError = describeError(error);
			}
			return false;
		} finally {
			if (generation === this.#generation) this.sending = false;
		}
	}

	/** Stops the answer being written; what was written so far is kept and marked stopped. */
	async stop(): Promise<void> {
		const active = this.active;
		if (!active || this.stopping) return;
		this.stopping = true;
		try {
			await this.api.stop(active.id);
		} catch (error) {
			this.actionError = describeError(error);
		} finally {
			this.stopping = false;
		}
	}

	/** A new version of an answer (also how a failed answer is retried). */
	async regenerate(messageId: string, model: string | null): Promise<void> {
		await this.#replaceFrom(messageId, async () => [await this.api.regenerate(messageId, model)]);
	}

	/** A new version of a question, answered afresh. */
	async edit(messageId: string, content: string): Promise<boolean> {
		return this.#replaceFrom(messageId, async () => {
			const { userMessage, assistantMessage } = await this.api.edit(messageId, content);
			return [userMessage, assistantMessage];
		});
	}

	/** Shows another version of a message (and the conversation that follows it). */
	async showVersion(messageId: string): Promise<void> {
		const sessionId = this.sessionId;
		if (!sessionId || this.busy) return;
		this.actionError = null;
		try {
			await this.api.switchBranch(messageId);
			const page = await this.api.listMessages(sessionId);
			if (sessionId !== this.sessionId) return;
			this.#showBranch(page.items, page.nextCursor);
		} catch (error) {
			this.actionError = describeError(error);
		}
	}

	async refreshSession(): Promise<ChatSessionDetail | null> {
		const sessionId = this.sessionId;
		if (!sessionId) return null;
		try {
			const session = await this.api.getSession(sessionId);
			if (sessionId !== this.sessionId) return null;
			this.session = session;
			this.onSessionChanged?.(session);
			return session;
		} catch {
			return null; // the chat shown is still right; the header catches up on the next answer
		}
	}

	/** Renamed or pinned elsewhere (the sidebar): keep the header in step. */
	applySummary(summary: { id: string; title: string; isPinned: boolean; isArchived: boolean }): void {
		if (this.session && this.session.id === summary.id) {
			this.session.title = summary.title;
			this.session.isPinned = summary.isPinned;
			this.session.isArchived = summary.isArchived;
		}
	}

	dispose(): void {
		this.#leave();
	}

	// ---------------------------------------------------------------------------------------------

	async #replaceFrom(messageId: string, action: () => Promise<ThreadMessage[]>): Promise<boolean> {
		if (this.busy) return false;
		const generation = this.#generation;
		this.sending = true;
		this.actionError = null;
		try {
			const replacement = await action();
			if (generation !== this.#generation) return true;
			const index = this.messages.findIndex((message) => message.id === messageId);
			// The new version starts a branch of its own: what followed the old one isn't on it.
			for (const message of this.messages.slice(index === -1 ? this.messages.length : index)) this.#unfollow(message.id);
			this.messages = [...this.messages.slice(0, index === -1 ? this.messages.length : index), ...replacement];
			for (const message of replacement) if (isInFlight(message)) this.#follow(message.id);
			return true;
		} catch (error) {
			if (generation === this.#generation) this.actionError = describeError(error);
			return false;
		} finally {
			if (generation === this.#generation) this.sending = false;
		}
	}

	#showBranch(items: ThreadMessage[], olderCursor: string | null): void {
		const shown = new Set(items.map((message) => message.id));
		for (const id of [...this.#subscriptions.keys()]) if (!shown.has(id)) this.#unfollow(id);
		this.messages = items;
		this.olderCursor = olderCursor;
		for (const message of items) if (isInFlight(message)) this.#follow(message.id);
	}

	#follow(messageId: string): void {
		if (this.#subscriptions.has(messageId)) return;
		const generation = this.#generation;
		const unsubscribe = this.api.stream(messageId, {
			onEvent: (event) => {
				if (generation === this.#generation) this.#apply(messageId, event);
			},
			onError: (error) => {
				if (generation !== this.#generation) return;
				this.#unfollow(messageId);
				const message = this.#find(messageId);
				if (message && isInFlight(message)) {
					message.status = 'error';
					message.error = describeError(error);
				}
			}
		});
		this.#subscriptions.set(messageId, unsubscribe);
	}

	#unfollow(messageId: string): void {
		this.#subscriptions.get(messageId)?.();
		this.#subscriptions.delete(messageId);
		this.#buffered.delete(messageId);
	}

	#apply(messageId: string, event: ChatStreamEvent): void {
		const message = this.#find(messageId);
		if (!message) return;
		if (event.type === 'snapshot') {
			this.#buffered.delete(messageId);
			message.content = event.content;
			message.status = event.status === 'pending' && event.content !== '' ? 'streaming' : event.status;
		} else if (event.type === 'delta') {
			this.#buffered.set(messageId, (this.#buffered.get(messageId) ?? '') + event.text);
			if (!this.#flushQueued) {
				this.#flushQueued = true;
				this.#schedule(() => this.#flush());
			}
		} else {
			this.#unfollow(messageId);
			const index = this.messages.findIndex((item) => item.id === messageId);
			if (index !== -1) this.messages[index] = event.message;
			const firstAnswer = index === 1;
			void this.refreshSession().then((session) => {
				if (session && firstAnswer && event.message.status === 'complete') this.#watchTitle(session.title, 3);
			});
		}
	}

	#flush(): void {
		this.#flushQueued = false;
		for (const [id, text] of this.#buffered) {
			const message = this.#find(id);
			if (!message || !isInFlight(message)) continue;
			message.content += text;
			message.status = 'streaming';
		}
		this.#buffered.clear();
	}

	/** The server names a chat after its first answer is saved; look again until the name changes. */
	#watchTitle(previous: string, attempts: number): void {
		if (attempts === 0) return;
		const generation = this.#generation;
		const timer = setTimeout(() => {
			this.#timers.delete(timer);
			if (generation !== this.#generation) return;
			void this.refreshSession().then((session) => {
				if (session && session.title === previous) this.#watchTitle(previous, attempts - 1);
			});
		}, this.#titlePollMs);
		this.#timers.add(timer);
	}

	#find(id: string): ThreadMessage | undefined {
		return this.messages.find((message) => message.id === id);
	}

	#draftMessage(content: string): ThreadMessage {
		return unsavedMessage({ id: `local-${++localIds}`, sessionId: this.sessionId ?? '', parentId: this.messages.at(-1)?.id ?? null, role: 'user', content });
	}

	/** Leaves the chat shown: streams closed (the answers go on being written on the server). */
	#leave(): void {
		this.#generation++;
		for (const unsubscribe of this.#subscriptions.values()) unsubscribe();
		this.#subscriptions.clear();
		this.#buffered.clear();
		for (const timer of this.#timers) clearTimeout(timer);
		this.#timers.clear();
		this.sending = false;
		this.stopping = false;
	}
}

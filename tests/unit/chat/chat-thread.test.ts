import { TRPCClientError } from '@trpc/client';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatThreadState } from '../../../src/lib/state/chat-thread.svelte';
import { detail, fakeChatApi, message } from './fake-chat-api';

/** Deltas are applied when the test says so, as a browser would on the next animation frame. */
function manualFrames() {
	const queued: (() => void)[] = [];
	return { schedule: (flush: () => void) => void queued.push(flush), run: () => queued.splice(0).forEach((flush) => flush()) };
}

const question = message('u1', { content: 'Hello?' });
// State proxies write through to the objects they wrap, so each test gets a fresh answer.
let pending = message('a1');
beforeEach(() => {
	pending = message('a1', { role: 'assistant', parentId: 'u1', content: '', status: 'pending' });
});

describe('ChatThreadState', () => {
	it('sends the first message of a new chat, shows it at once and streams the answer in', async () => {
		let answer!: (value: { sessionId: string; userMessage: typeof question; assistantMessage: typeof pending; offlineMode: boolean; quotaWarnings: [] }) => void;
		const { api, streams, calls } = fakeChatApi({
			send: () => new Promise((resolve) => (answer = resolve)),
			getSession: async () => detail('s1', { title: 'Hello?' })
		});
		const frames = manualFrames();
		const thread = new ChatThreadState(api, { schedule: frames.schedule });
		const changed = vi.fn();
		thread.onSessionChanged = changed;

		const sent = thread.send('Hello?', 'gpt-4o-mini');
		expect(thread.messages.map((m) => [m.role, m.content])).toEqual([['user', 'Hello?']]);
		expect(thread.busy).toBe(true);
		answer({ sessionId: 's1', userMessage: question, assistantMessage: pending, offlineMode: false, quotaWarnings: [] });
		expect(await sent).toBe(true);
		expect(calls.find((call) => call.name === 'send')?.args).toEqual([{ sessionId: null, content: 'Hello?', model: 'gpt-4o-mini' }]);
		expect(thread.sessionId).toBe('s1');
		expect(thread.messages.map((m) => m.id)).toEqual(['u1', 'a1']);
		expect(thread.active?.id).toBe('a1');

		const stream = streams.get('a1');
		stream?.onEvent({ type: 'snapshot', content: '', status: 'pending' });
		stream?.onEvent({ type: 'delta', text: 'Hi' });
		stream?.onEvent({ type: 'delta', text: ' there' });
		expect(thread.messages[1]?.content).toBe('');
		frames.run();
		expect(thread.messages[1]).toMatchObject({ content: 'Hi there', status: 'streaming' });

		const final = { ...pending, content: 'Hi there!', status: 'complete' as const, totalTokens: 12, costUsd: '0.000010' };
		stream?.onEvent({ type: 'done', message: final });
		expect(thread.messages[1]).toEqual(final);
		expect(thread.active).toBeNull();
		expect(thread.busy).toBe(false);
		expect(stream?.closed).toBe(true);
		await vi.waitFor(() => expect(changed).toHaveBeenCalledWith(expect.objectContaining({ id: 's1', title: 'Hello?' })));
	});

	it('takes a refused message back and says why', async () => {
		const refusal = new TRPCClientError('You have used your 50 messages for today.', {
			result: { error: { code: -32029, message: 'You have used your 50 messages for today.', data: { code: 'TOO_MANY_REQUESTS', retryAfterSeconds: 3600 } } }
		});
		const { api } = fakeChatApi({ send: () => Promise.reject(refusal) });
		const thread = new ChatThreadState(api);
		expect(await thread.send('Hello?', null)).toBe(false);
		expect(thread.messages).toEqual([]);
		expect(thread.actionError).toBe('You have used your 50 messages for today. Try again in 60 minutes.');
		expect(thread.busy).toBe(false);
	});

	it('opens a chat, joins an answer still being written and picks it up from its snapshot', async () => {
		const { api, streams } = fakeChatApi({
			getSession: async () => detail('s1'),
			listMessages: async () => ({ items: [question, { ...pending, status: 'streaming', content: 'Part' }], nextCursor: null })
		});
		const frames = manualFrames();
		const thread = new ChatThreadState(api, { schedule: frames.schedule });
		await thread.open('s1');
		expect(thread.status).toBe('ready');
		expect(thread.active?.id).toBe('a1');
		streams.get('a1')?.onEvent({ type: 'snapshot', content: 'Partial ans', status: 'streaming' });
		streams.get('a1')?.onEvent({ type: 'delta', text: 'wer' });
		frames.run();
		expect(thread.messages[1]?.content).toBe('Partial answer');

		// Opening the chat already shown (right after its first message) keeps everything as it is.
		await thread.open('s1');
		expect(streams.get('a1')?.closed).toBe(false);
	});

	it('tells a missing chat from a failure', async () => {
		const notFound = new TRPCClientError('Chat not found', { result: { error: { code: -32004, message: 'Chat not found', data: { code: 'NOT_FOUND' } } } });
		const { api } = fakeChatApi({ getSession: () => Promise.reject(notFound), listMessages: async () => ({ items: [], nextCursor: null }) });
		const thread = new ChatThreadState(api);
		await thread.open('nope');
		expect(thread.status).toBe('missing');

		const { api: broken } = fakeChatApi({ getSession: () => Promise.reject(new Error('boom')), listMessages: async () => ({ items: [], nextCursor: null }) });
		const other = new ChatThreadState(broken);
		await other.open('s2');
		expect(other.status).toBe('failed');
		expect(other.loadError).toBe('boom');
	});

	it('regenerating replaces the answer and what followed it with the new version', async () => {
		const answer = message('a1', { role: 'assistant', parentId: 'u1' });
		const later = [message('u2', { parentId: 'a1' }), message('a2', { role: 'assistant', parentId: 'u2' })];
		const version = message('a1b', { role: 'assistant', parentId: 'u1', content: '', status: 'pending', siblingIds: ['a1', 'a1b'], siblingIndex: 1 });
		const { api, streams, calls } = fakeChatApi({
			getSession: async () => detail('s1'),
			listMessages: async () => ({ items: [question, answer, ...later], nextCursor: null }),
			regenerate: async () => version
		});
		const thread = new ChatThreadState(api);
		await thread.open('s1');
		await thread.regenerate('a1', 'gpt-4.1-mini');
		expect(calls.find((call) => call.name === 'regenerate')?.args).toEqual(['a1', 'gpt-4.1-mini']);
		expect(thread.messages.map((m) => m.id)).toEqual(['u1', 'a1b']);
		expect(streams.has('a1b')).toBe(true);
	});

	it('editing a question appends the new version and its answer', async () => {
		const answer = message('a1', { role: 'assistant', parentId: 'u1' });
		const edited = message('u1b', { content: 'Hello again?', siblingIds: ['u1', 'u1b'], siblingIndex: 1 });
		const reply = message('a1c', { role: 'assistant', parentId: 'u1b', content: '', status: 'pending' });
		const { api, streams } = fakeChatApi({
			getSession: async () => detail('s1'),
			listMessages: async () => ({ items: [question, answer], nextCursor: null }),
			edit: async () => ({ userMessage: edited, assistantMessage: reply })
		});
		const thread = new ChatThreadState(api);
		await thread.open('s1');
		expect(await thread.edit('u1', 'Hello again?')).toBe(true);
		expect(thread.messages.map((m) => m.id)).toEqual(['u1b', 'a1c']);
		expect(streams.has('a1c')).toBe(true);
	});

	it('switching versions reloads the branch and closes streams no longer shown', async () => {
		const branches = [
			[question, pending],
			[question, message('a0', { role: 'assistant', parentId: 'u1', siblingIds: ['a0', 'a1'], siblingIndex: 0 })]
		];
		let shown = 0;
		const { api, streams, calls } = fakeChatApi({
			getSession: async () => detail('s1'),
			listMessages: async () => ({ items: branches[shown] ?? [], nextCursor: null }),
			switchBranch: async (id) => {
				shown = 1;
				return id;
			}
		});
		const thread = new ChatThreadState(api);
		await thread.open('s1');
		// While an answer is being written, versions can't be switched.
		await thread.showVersion('a0');
		expect(calls.some((call) => call.name === 'switchBranch')).toBe(false);

		streams.get('a1')?.onEvent({ type: 'done', message: { ...pending, status: 'stopped', content: 'Par' } });
		await thread.showVersion('a0');
		expect(thread.messages.map((m) => m.id)).toEqual(['u1', 'a0']);
	});

	it('stop asks the server to stop the answer being written; the stream then reports it stopped', async () => {
		const { api, streams, calls } = fakeChatApi({
			getSession: async () => detail('s1'),
			listMessages: async () => ({ items: [question, pending], nextCursor: null }),
			stop: async () => true
		});
		const thread = new ChatThreadState(api);
		await thread.open('s1');
		await thread.stop();
		expect(calls.find((call) => call.name === 'stop')?.args).toEqual(['a1']);
		streams.get('a1')?.onEvent({ type: 'done', message: { ...pending, status: 'stopped', content: 'Partial' } });
		expect(thread.messages[1]).toMatchObject({ status: 'stopped', content: 'Partial' });
		expect(thread.busy).toBe(false);
	});

	it('a stream that fails marks its answer as failed, with the reason', async () => {
		const { api, streams } = fakeChatApi({
			getSession: async () => detail('s1'),
			listMessages: async () => ({ items: [question, pending], nextCursor: null })
		});
		const thread = new ChatThreadState(api);
		await thread.open('s1');
		streams.get('a1')?.onError(new Error('The connection was lost.'));
		expect(thread.messages[1]).toMatchObject({ status: 'error', error: 'The connection was lost.' });
		expect(thread.busy).toBe(false);
	});

	it('leaving a chat closes its streams and ignores late events', async () => {
		const { api, streams } = fakeChatApi({
			getSession: async () => detail('s1'),
			listMessages: async () => ({ items: [question, pending], nextCursor: null })
		});
		const thread = new ChatThreadState(api);
		await thread.open('s1');
		const stream = streams.get('a1');
		thread.reset();
		expect(stream?.closed).toBe(true);
		stream?.onEvent({ type: 'delta', text: 'late' });
		expect(thread.messages).toEqual([]);
		expect(thread.status).toBe('empty');
	});
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatStreamEvent, ThreadMessage } from '../../src/lib/chat/types';
import type { ProviderOptions } from '../../src/lib/server/ai/provider-registry';
import { streamAnswer } from '../../src/lib/server/chat/chat.service';
import { createServices, providerLookup } from '../../src/lib/server/services';
import { stopAllGenerations, whenGenerationsSettled } from '../../src/lib/server/chat/answer/generate';
import { forgetAllowedModels } from '../../src/lib/server/chat/models.service';
import { closeInterruptedAnswers, INTERRUPTED_MESSAGE } from '../../src/lib/server/chat/interrupted';
import { getSharedChat } from '../../src/lib/server/chat/share.service';
import { flushEvents } from '../../src/lib/server/analytics';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai-server';
import { signedUpCaller } from '../support/callers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const FAST: ProviderOptions = {
	// Short enough for the hang test, long enough for a busy 2-core CI machine.
	timeouts: { firstTokenMs: 2_000, idleMs: 2_000 },
	retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 30, maxRetryAfterMs: 2_000 },
	offlineChunkDelayMs: 0
};
/** The production services, with the provider timeouts and retries shortened. */
const services = createServices({ providers: providerLookup(FAST) });

let test: TestDatabase;
let llm: FakeOpenAI;
let alice: Awaited<ReturnType<typeof signedUpCaller>>;
let bob: Awaited<ReturnType<typeof signedUpCaller>>;

/** Reads an answer's stream to its end. */
async function collect(messageId: string, userId = alice.user.id, onEvent?: (event: ChatStreamEvent, deltas: string[]) => Promise<void> | void) {
	const deltas: string[] = [];
	const events: ChatStreamEvent[] = [];
	let final: ThreadMessage | null = null;
	for await (const event of streamAnswer({ db: test.db }, userId, messageId)) {
		events.push(event);
		if (event.type === 'delta') deltas.push(event.text);
		if (event.type === 'done') final = event.message;
		await onEvent?.(event, deltas);
	}
	if (!final) throw new Error('the stream ended without a final message');
	return { deltas, events, final: final as ThreadMessage };
}

const send = (content: string, sessionId: string | null = null, who = alice) => who.caller.chat.send({ sessionId, content });

beforeAll(async () => {
	test = await createTestDatabase();
	llm = await startFakeOpenAI();
	// The site's default chat model answered by the fake server, through the real openai SDK.
	await test.db.prisma.modelConfiguration.update({ where: { modelName: 'gpt-4o-mini' }, data: { provider: 'openai-compatible', baseUrl: llm.url } });
	await signedUpCaller(test.db, 'site-admin');
	alice = await signedUpCaller(test.db, 'alice', undefined, services);
	bob = await signedUpCaller(test.db, 'bob', undefined, services);
	// These tests send far more than a free tier's 10 messages a minute; quotas have their own tests.
	await test.db.prisma.profile.updateMany({ where: { id: { in: [alice.user.id, bob.user.id] } }, data: { tier: 'enterprise' } });
});
afterEach(async () => {
	// Titles are asked for in the background after a first answer: let them finish before the next test scripts the fake.
	await whenGenerationsSettled();
	llm.reset();
});
afterAll(async () => {
	await llm.close();
	await test.dispose();
});

describe('sending and streaming', () => {
	it('saves the question first, streams tokens in order, and saves the answer with usage, timings and cost', async () => {
		llm.script({ tokens: ['Paris ', 'is ', 'the ', 'capital ', 'of ', 'France.'], tokenDelayMs: 40, usage: { prompt_tokens: 40_000, completion_tokens: 20_000 } });
		llm.script({ reply: '"Capital of France."' }); // the automatic title
		const sent = await send('What is the capital of France?');
		expect(sent.userMessage).toMatchObject({ role: 'user', content: 'What is the capital of France?', status: 'complete' });
		expect(sent.assistantMessage).toMatchObject({ role: 'assistant', status: 'pending', parentId: sent.userMessage.id, model: 'gpt-4o-mini' });
		expect(sent.offlineMode).toBe(false);

		const { deltas, events, final } = await collect(sent.assistantMessage.id);
		// Whatever arrived before this subscriber joined is in the snapshot; the rest streams token by token.
		const snapshot = events[0]?.type === 'snapshot' ? events[0].content : '';
		expect(snapshot + deltas.join('')).toBe('Paris is the capital of France.');
		expect(deltas.length).toBeGreaterThan(1);
		expect(final).toMatchObject({ status: 'complete', content: 'Paris is the capital of France.', finishReason: 'stop', promptTokens: 40_000, completionTokens: 20_000, totalTokens: 60_000 });
		// gpt-4o-mini: $0.15 in / $0.60 out per 1M tokens → 0.006 + 0.012
		expect(final.costUsd).toBe('0.018000');
		expect(final.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
		expect(final.responseTimeMs).toBeGreaterThanOrEqual(final.timeToFirstTokenMs ?? 0);

		const log = await test.db.prisma.apiUsageLog.findFirstOrThrow({ where: { messageId: sent.assistantMessage.id } });
		expect(log).toMatchObject({ userId: alice.user.id, endpoint: 'chat', model: 'gpt-4o-mini', promptTokens: 40_000, completionTokens: 20_000, status: 'success' });
		expect(log.costUsd.toFixed(6)).toBe('0.018000');

		// The upstream request carried the system prompt and the question, through the real SDK.
		const upstream = llm.requests.find((request) => request.path === '/v1/chat/completions');
		expect(upstream?.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'system' }, { role: 'user', content: 'What is the capital of France?' }] });

		await expect.poll(async () => (await test.db.prisma.chatSession.findUniqueOrThrow({ where: { id: sent.sessionId } })).title).toBe('Capital of France');
	});

	it('lets a second subscriber join mid-answer: snapshot of the text so far, then the rest', async () => {
		llm.script({ tokens: Array.from({ length: 20 }, (_, i) => `t${i} `), tokenDelayMs: 25 });
		llm.script({ reply: 'Title' });
		const sent = await send('count for me');
		const first = collect(sent.assistantMessage.id);
		await expect.poll(async () => (await test.db.prisma.message.findUniqueOrThrow({ where: { id: sent.assistantMessage.id } })).content.length, { timeout: 5_000 }).toBeGreaterThan(0);
		const second = await collect(sent.assistantMessage.id);
		const snapshot = second.events[0];
		expect(snapshot?.type).toBe('snapshot');
		const joinedText = (snapshot?.type === 'snapshot' ? snapshot.content : '') + second.deltas.join('');
		expect(joinedText).toBe((await first).final.content);
		expect(joinedText).toBe(Array.from({ length: 20 }, (_, i) => `t${i} `).join(''));
	});

	it('accepts a 100 KB message', async () => {
		const long = 'lorem ipsum dolor sit amet '.repeat(4_000); // ≈108 KB
		llm.script({ reply: 'Read it.' });
		const sent = await send(long);
		const { final } = await collect(sent.assistantMessage.id);
		expect(final.status).toBe('complete');
		expect((await test.db.prisma.message.findUniqueOrThrow({ where: { id: sent.userMessage.id } })).content).toHaveLength(long.length);
	});

	it('refuses a new message while the answer is still being written', async () => {
		llm.script({ tokens: Array.from({ length: 30 }, () => 'x '), tokenDelayMs: 20 });
		llm.script({ reply: 'Title' });
		const sent = await send('slow one');
		await expect(send('impatient', sent.sessionId)).rejects.toMatchObject({ code: 'CONFLICT' });
		// Stop only once the fake is answering, so no half-sent request lands in the next test.
		await expect.poll(() => llm.requests.length).toBe(1);
		await alice.caller.chat.stop({ messageId: sent.assistantMessage.id });
	});
});

describe('stopping', () => {
	it('stop keeps the partial answer, marked stopped, and aborts the upstream request', async () => {
		llm.script({ tokens: Array.from({ length: 200 }, (_, i) => `w${i} `), tokenDelayMs: 15 });
		const sent = await send('tell me a long story');
		const { final, deltas, events } = await collect(sent.assistantMessage.id, alice.user.id, async (event, seen) => {
			if (event.type === 'delta' && seen.length === 5) await alice.caller.chat.stop({ messageId: sent.assistantMessage.id });
		});
		expect(final.status).toBe('stopped');
		const snapshot = events[0]?.type === 'snapshot' ? events[0].content : '';
		expect(final.content).toBe(snapshot + deltas.join(''));
		expect(final.content.length).toBeGreaterThan(0);
		expect(deltas.length).toBeLessThan(200);
		await expect.poll(() => llm.requests.find((request) => request.path === '/v1/chat/completions')?.outcome).toBe('client-disconnected');
		expect((await test.db.prisma.apiUsageLog.findFirstOrThrow({ where: { messageId: sent.assistantMessage.id } })).status).toBe('cancelled');
	});
});

describe('upstream failures never lose the question and never surface as a 500', () => {
	const cases = [
		['HTTP 500 on every attempt', () => [0, 1, 2].forEach(() => llm.script({ fault: 'http500' })), /unavailable|error|server/i],
		['429 with Retry-After on every attempt', () => [0, 1, 2].forEach(() => llm.script({ fault: 'http429', retryAfterSeconds: 0 })), /rate|limit|busy|many/i],
		['a hang before the first token', () => llm.script({ fault: 'hang' }), /time|respond|answer/i],
		['a connection dropped mid-stream', () => llm.script({ tokens: ['one ', 'two ', 'three ', 'four '], fault: 'dropMidStream', afterTokens: 2 }), /connection|interrupted|closed|lost/i],
		['a malformed SSE line', () => llm.script({ tokens: ['one ', 'two ', 'three '], fault: 'malformedSse', afterTokens: 2 }), /malformed|unreadable|invalid|could not be read/i]
	] as const;

	it.each(cases)('%s: saved question, error answer with a readable reason', async (_label, arrange, reason) => {
		arrange();
		const sent = await send(`fault: ${_label}`);
		const { final } = await collect(sent.assistantMessage.id);
		expect(final.status).toBe('error');
		expect(final.error).toMatch(reason);
		expect(final.error).not.toMatch(/\n\s+at /); // no stack trace
		expect(await test.db.prisma.message.findUniqueOrThrow({ where: { id: sent.userMessage.id } })).toMatchObject({ content: `fault: ${_label}`, status: 'complete' });
		expect((await test.db.prisma.apiUsageLog.findFirstOrThrow({ where: { messageId: sent.assistantMessage.id } })).status).toBe('error');
	});

	it('keeps the tokens that arrived before a drop', async () => {
		llm.script({ tokens: ['kept ', 'text ', 'lost ', 'rest '], fault: 'dropMidStream', afterTokens: 2 });
		const sent = await send('drop after two');
		const { final } = await collect(sent.assistantMessage.id);
		expect(final.content).toBe('kept text ');
	});

	it('retries a 429 before the first token, then answers', async () => {
		llm.script({ fault: 'http429', retryAfterSeconds: 0 });
		llm.script({ reply: 'second time lucky' });
		const sent = await send('retry me');
		const { final } = await collect(sent.assistantMessage.id);
		expect(final).toMatchObject({ status: 'complete', content: 'second time lucky' });
	});
});

describe('history and context window', () => {
	it('sends the user’s custom instructions as the system prompt, and a chat’s own instructions over them', async () => {
		await test.db.prisma.userSettings.update({ where: { userId: alice.user.id }, data: { systemPrompt: 'Answer like a pirate.' } });
		try {
			const sent = await send('ahoy');
			await collect(sent.assistantMessage.id);
			const first = llm.requests.find((request) => request.path === '/v1/chat/completions')?.body as { messages: { role: string; content: string }[] };
			expect(first.messages[0]).toEqual({ role: 'system', content: 'Answer like a pirate.' });
			await whenGenerationsSettled();
			llm.reset();
			await test.db.prisma.chatSession.update({ where: { id: sent.sessionId }, data: { systemPrompt: 'Answer in French.' } });
			await collect((await send('bonjour', sent.sessionId)).assistantMessage.id);
			const second = llm.requests.find((request) => request.path === '/v1/chat/completions')?.body as { messages: { role: string; content: string }[] };
			expect(second.messages[0]).toEqual({ role: 'system', content: 'Answer in French.' });
		} finally {
			await test.db.prisma.userSettings.update({ where: { userId: alice.user.id }, data: { systemPrompt: null } });
		}
	});

	it('trims old history to the model’s context window by token count, keeping the system prompt and newest messages', async () => {
		const chat = await send('first question with many words '.repeat(20));
		await collect(chat.assistantMessage.id);
		for (let i = 0; i < 4; i++) {
			llm.script({ reply: `answer ${i} `.repeat(30) });
			const next = await send(`question ${i} `.repeat(30), chat.sessionId);
			await collect(next.assistantMessage.id);
		}
		await test.db.prisma.modelConfiguration.update({ where: { modelName: 'gpt-4o-mini' }, data: { contextWindow: 700, maxTokens: 100 } });
		forgetAllowedModels(); // as the admin screens will after editing a model
		try {
			llm.reset();
			const last = await send('the newest question', chat.sessionId);
			await collect(last.assistantMessage.id);
			const body = llm.requests.find((request) => request.path === '/v1/chat/completions')?.body as { messages: { role: string; content: string }[] };
			expect(body.messages[0]?.role).toBe('system');
			expect(body.messages.at(-1)).toEqual({ role: 'user', content: 'the newest question' });
			expect(body.messages.length).toBeLessThan(11);
			expect(body.messages.some((message) => message.content.startsWith('first question'))).toBe(false);
		} finally {
			await test.db.prisma.modelConfiguration.update({ where: { modelName: 'gpt-4o-mini' }, data: { contextWindow: 128_000, maxTokens: 16_384 } });
			forgetAllowedModels();
		}
	});
});

describe('versions: regenerate, edit and switch', () => {
	it('keeps earlier versions as siblings and switches between them', async () => {
		llm.script({ reply: 'first answer' });
		llm.script({ reply: 'Title' });
		const sent = await send('original question');
		await collect(sent.assistantMessage.id);

		llm.script({ reply: 'second answer' });
		const { assistantMessage } = await alice.caller.chat.regenerate({ messageId: sent.assistantMessage.id, model: null });
		expect(assistantMessage.parentId).toBe(sent.userMessage.id);
		await collect(assistantMessage.id);
		let thread = (await alice.caller.chat.messages.list({ sessionId: sent.sessionId, limit: 50 })).items;
		expect(thread.map((message) => message.content)).toEqual(['original question', 'second answer']);
		expect(thread[1]).toMatchObject({ siblingIds: [sent.assistantMessage.id, assistantMessage.id], siblingIndex: 1 });

		await alice.caller.chat.switchBranch({ messageId: sent.assistantMessage.id });
		thread = (await alice.caller.chat.messages.list({ sessionId: sent.sessionId, limit: 50 })).items;
		expect(thread.map((message) => message.content)).toEqual(['original question', 'first answer']);

		llm.script({ reply: 'answer to the edit' });
		const edited = await alice.caller.chat.edit({ messageId: sent.userMessage.id, content: 'edited question' });
		await collect(edited.assistantMessage.id);
		thread = (await alice.caller.chat.messages.list({ sessionId: sent.sessionId, limit: 50 })).items;
		expect(thread.map((message) => message.content)).toEqual(['edited question', 'answer to the edit']);
		expect(thread[0]).toMatchObject({ parentId: null, siblingIds: [sent.userMessage.id, edited.userMessage.id], siblingIndex: 1 });
		// The edited version's history sent upstream doesn't contain the original exchange.
		const body = llm.requests.at(-1)?.body as { messages: { content: string }[] };
		expect(body.messages.map((message) => message.content)).not.toContain('original question');
	});

	it('pages the thread backwards from the newest message', async () => {
		const sent = await send('page 0');
		await collect(sent.assistantMessage.id);
		for (let i = 1; i < 4; i++) await collect((await send(`page ${i}`, sent.sessionId)).assistantMessage.id);
		const newest = await alice.caller.chat.messages.list({ sessionId: sent.sessionId, limit: 3 });
		expect(newest.items.map((message) => message.role)).toEqual(['assistant', 'user', 'assistant']);
		const older = await alice.caller.chat.messages.list({ sessionId: sent.sessionId, limit: 100, cursor: newest.nextCursor });
		expect([...older.items, ...newest.items].map((message) => message.content).filter((text) => text.startsWith('page'))).toEqual(['page 0', 'page 1', 'page 2', 'page 3']);
		expect(older.nextCursor).toBeNull();
	});
});

describe('conversations through the API', () => {
	it('lists pinned chats first, newest activity next, with cursors and search over titles and message text', async () => {
		const caller = bob.caller;
		const ids: string[] = [];
		for (const topic of ['Alpha kayaks', 'Beta bicycles', 'Gamma gliders']) {
			const created = await caller.chat.sessions.create({ title: topic });
			ids.push(created.id);
		}
		await test.db.prisma.message.create({ data: { sessionId: ids[0] ?? '', userId: bob.user.id, role: 'user', content: 'how do paddles work', status: 'complete' } });
		await caller.chat.sessions.pin({ id: ids[1] ?? '', pinned: true });
		const page1 = await caller.chat.sessions.list({ limit: 2 });
		expect(page1.items.map((session) => session.title)).toEqual(['Beta bicycles', 'Alpha kayaks']);
		const page2 = await caller.chat.sessions.list({ limit: 2, cursor: page1.nextCursor });
		expect(page2.items.map((session) => session.title)).toEqual(['Gamma gliders']);
		expect(page2.nextCursor).toBeNull();
		expect((await caller.chat.sessions.list({ search: 'glid' })).items.map((session) => session.title)).toEqual(['Gamma gliders']);
		expect((await caller.chat.sessions.list({ search: 'paddles' })).items.map((session) => session.title)).toEqual(['Alpha kayaks']);
		await expect(caller.chat.sessions.list({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });

		await caller.chat.sessions.rename({ id: ids[2] ?? '', title: 'Renamed' });
		await caller.chat.sessions.archive({ id: ids[2] ?? '', archived: true });
		expect((await caller.chat.sessions.list({})).items.map((session) => session.title)).not.toContain('Renamed');
		expect((await caller.chat.sessions.list({ archived: true })).items.map((session) => session.title)).toEqual(['Renamed']);
		await caller.chat.sessions.delete({ id: ids[2] ?? '' });
		await expect(caller.chat.sessions.get({ id: ids[2] ?? '' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
	});

	it('never lets one user read, stream, stop, change or send into another user’s chat', async () => {
		llm.script({ reply: 'private answer' });
		const mine = await send('alice only');
		await collect(mine.assistantMessage.id);
		const other = bob.caller.chat;
		await expect(other.sessions.get({ id: mine.sessionId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await expect(other.messages.list({ sessionId: mine.sessionId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await expect(other.send({ sessionId: mine.sessionId, content: 'intrusion' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await expect(other.stop({ messageId: mine.assistantMessage.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await expect(other.regenerate({ messageId: mine.assistantMessage.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await expect(other.sessions.rename({ id: mine.sessionId, title: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await expect(other.sessions.delete({ id: mine.sessionId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await expect(other.export({ sessionId: mine.sessionId, format: 'json' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await expect(other.shares.create({ id: mine.sessionId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		// Refused before any stream opens, like every other procedure (issue 7).
		await expect(other.stream({ messageId: mine.assistantMessage.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await expect(other.shares.list({ id: mine.sessionId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		expect(await test.db.prisma.message.count({ where: { sessionId: mine.sessionId, content: 'intrusion' } })).toBe(0);
	});

	it('refuses models the tier does not allow and empty messages, with field errors', async () => {
		const free = await signedUpCaller(test.db, 'free', undefined, services);
		await expect(free.caller.chat.send({ content: 'hi', model: 'gpt-5' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
		await expect(free.caller.chat.send({ content: '   ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
		expect(await test.db.prisma.message.count({ where: { userId: free.user.id } })).toBe(0);
		const models = await free.caller.chat.models();
		expect(models.models.map((model) => model.modelName)).toContain('offline');
		expect(models.models.map((model) => model.modelName)).not.toContain('gpt-5');
	});

	it('exports Markdown and JSON, and shares a read-only snapshot until revoked', async () => {
		llm.script({ reply: 'An **exported** answer.' });
		const sent = await send('export me');
		await collect(sent.assistantMessage.id);
		const markdown = await alice.caller.chat.export({ sessionId: sent.sessionId, format: 'markdown' });
		expect(markdown.mimeType).toBe('text/markdown');
		expect(markdown.content).toContain('**You**');
		expect(markdown.content).toContain('An **exported** answer.');
		const json = JSON.parse((await alice.caller.chat.export({ sessionId: sent.sessionId, format: 'json' })).content) as { messages: { content: string }[] };
		expect(json.messages.map((message) => message.content)).toEqual(['export me', 'An **exported** answer.']);

		const share = await alice.caller.chat.shares.create({ id: sent.sessionId });
		expect(share.token).toMatch(/^[a-z2-7]{38,}$/);
		const shared = await getSharedChat(test.db, share.token);
		expect(shared?.messages.map((message) => message.content)).toEqual(['export me', 'An **exported** answer.']);
		// Later messages stay private.
		await collect((await send('after sharing', sent.sessionId)).assistantMessage.id);
		expect((await getSharedChat(test.db, share.token))?.messages).toHaveLength(2);
		await alice.caller.chat.shares.revoke({ id: share.id });
		expect(await getSharedChat(test.db, share.token)).toBeNull();
		expect(await getSharedChat(test.db, 'not-a-token')).toBeNull();
	});
});

describe('offline assistant and interrupted answers', () => {
	it('answers from the knowledge base the user can see, citing it, when the model is offline', async () => {
		await test.db.prisma.knowledgeBaseEntry.create({ data: { title: 'Refund policy', content: 'Refunds are issued within 14 days of purchase.', visibility: 'public' } });
		const sent = await alice.caller.chat.send({ content: 'How many days for a refund?', model: 'offline' });
		const { final } = await collect(sent.assistantMessage.id);
		expect(final.status).toBe('complete');
		expect(final.content).toContain('Refunds are issued within 14 days');
		expect(final.content).toContain('Refund policy');
		expect(final.costUsd).toBe('0.000000');
	});

	it('says plainly how to configure a model when nothing relevant is known', async () => {
		const sent = await alice.caller.chat.send({ content: 'zyxwvut qwerty', model: 'offline' });
		const { final } = await collect(sent.assistantMessage.id);
		expect(final.content).toMatch(/OPENAI_API_KEY/);
	});

	it('closes answers left streaming by a process that died', async () => {
		const session = await test.db.prisma.chatSession.create({ data: { userId: alice.user.id, title: 'crashed' } });
		const orphan = await test.db.prisma.message.create({ data: { sessionId: session.id, userId: alice.user.id, role: 'assistant', content: 'half an ans', status: 'streaming' } });
		// Recently written: might still have a writer somewhere, so it is left alone…
		expect(await closeInterruptedAnswers(test.db, 60_000)).toBe(0);
		// …until it is older than the threshold (here: any age).
		expect(await closeInterruptedAnswers(test.db, 0)).toBe(1);
		const closed = await test.db.prisma.message.findUniqueOrThrow({ where: { id: orphan.id } });
		expect(closed).toMatchObject({ status: 'error', content: 'half an ans', metadata: { error: INTERRUPTED_MESSAGE } });
	});
});

describe('analytics events of chat flows', () => {
	it('records chat created, message sent, regenerate and stop, with the model and counts but no message text', async () => {
		const secret = 'my confidential question about zebras 8841';
		const carol = await signedUpCaller(test.db, 'carol-events', undefined, services);
		await test.db.prisma.profile.update({ where: { id: carol.user.id }, data: { tier: 'enterprise' } });
		const empty = await carol.caller.chat.sessions.create({});
		llm.script({ reply: 'a secret answer about zebras' });
		llm.script({ reply: 'Zebras' });
		const sent = await send(secret, null, carol);
		await collect(sent.assistantMessage.id, carol.user.id);
		await whenGenerationsSettled();
		llm.script({ tokens: Array.from({ length: 40 }, (_, i) => `word${i} `), tokenDelayMs: 30 });
		const again = await carol.caller.chat.regenerate({ messageId: sent.assistantMessage.id, model: null });
		await collect(again.assistantMessage.id, carol.user.id, async (event, deltas) => {
			if (event.type === 'delta' && deltas.length === 3) await carol.caller.chat.stop({ messageId: again.assistantMessage.id });
		});
		await whenGenerationsSettled();
		await flushEvents(test.db);

		const events = await test.db.prisma.analyticsEvent.findMany({ where: { userId: carol.user.id }, orderBy: { id: 'asc' } });
		const chatEvents = events.filter((event) => event.eventType !== 'sign_up');
		expect(chatEvents.map((event) => [event.eventType, event.sessionId])).toEqual([
			['chat_created', empty.id],
			['chat_created', sent.sessionId],
			['message_sent', sent.sessionId],
			['message_regenerated', sent.sessionId],
			['generation_stopped', sent.sessionId]
		]);
		expect(chatEvents[2]?.eventData).toEqual({ model: 'gpt-4o-mini', characters: secret.length, knowledgeBase: false });
		expect(chatEvents[4]?.eventData).toMatchObject({ model: 'gpt-4o-mini', reason: 'user' });
		const everything = JSON.stringify(events, (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
		for (const text of ['zebras', 'confidential', 'word1']) expect(everything).not.toContain(text);
	});
});

describe('shutdown', () => {
	it('stops answers in flight and saves them as stopped, so a restart leaves none streaming', async () => {
		llm.script({ tokens: Array.from({ length: 300 }, (_, i) => `s${i} `), tokenDelayMs: 20 });
		const sent = await send('a very long answer please');
		await expect.poll(() => llm.requests.length).toBe(1);
		await expect.poll(async () => (await test.db.prisma.message.findUniqueOrThrow({ where: { id: sent.assistantMessage.id } })).content.length, { timeout: 5_000 }).toBeGreaterThan(0);
		await stopAllGenerations(5_000);
		const saved = await test.db.prisma.message.findUniqueOrThrow({ where: { id: sent.assistantMessage.id } });
		expect(saved.status).toBe('stopped');
		expect(saved.content.length).toBeGreaterThan(0);
	});
});

import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai-server';

/** The fake itself: its wire format must match OpenAI's, or tests against it prove nothing. */

const API_KEY = 'sk-fake-server-test-key';
let llm: FakeOpenAI;

beforeAll(async () => {
	llm = await startFakeOpenAI({ apiKey: API_KEY });
});
afterEach(() => llm.reset());
afterAll(() => llm.close());

function post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
	return fetch(`${llm.url}${path}`, {
		method: 'POST',
		headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
		signal
	});
}

/** The JSON payloads of an SSE body, in order ('[DONE]' kept as a string). */
function sseData(text: string): unknown[] {
	return text
		.split('\n\n')
		.filter((event) => event.startsWith('data: '))
		.map((event) => event.slice('data: '.length))
		.map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping pong' }] };

describe('fake OpenAI server', () => {
	it('listens on 127.0.0.1 on a free port, under /v1', () => {
		expect(llm.url).toBe(`http://127.0.0.1:${llm.port}/v1`);
		expect(llm.port).toBeGreaterThan(0);
	});

	it('streams OpenAI-shaped chunks: role, one per token, finish, usage, [DONE]', async () => {
		const response = await post('/chat/completions', { ...chat, stream: true, stream_options: { include_usage: true } });
		expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
		const events = sseData(await response.text());

		expect(events).toHaveLength(7);
		const identity = { id: expect.stringMatching(/^chatcmpl-/), object: 'chat.completion.chunk', created: expect.any(Number), model: 'gpt-4o-mini' };
		const choice = (delta: object, finishReason: string | null) => ({ index: 0, delta, logprobs: null, finish_reason: finishReason });
		expect(events[0]).toMatchObject({ ...identity, choices: [choice({ role: 'assistant', content: '' }, null)], usage: null });
		expect(events[1]).toMatchObject({ ...identity, choices: [choice({ content: 'Echo:' }, null)], usage: null });
		expect(events[2]).toMatchObject({ choices: [choice({ content: ' ping' }, null)] });
		expect(events[3]).toMatchObject({ choices: [choice({ content: ' pong' }, null)] });
		expect(events[4]).toMatchObject({ choices: [choice({}, 'stop')], usage: null });
		// prompt: 3 + (4 + 2 words); completion: 3 tokens
		expect(events[5]).toMatchObject({ ...identity, choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } });
		expect(events.at(-1)).toBe('[DONE]');
	});

	it('sends no usage chunk (and no usage fields) unless asked to', async () => {
		const events = sseData(await (await post('/chat/completions', { ...chat, stream: true })).text());
		expect(events).toHaveLength(6);
		expect(events.at(-1)).toBe('[DONE]');
		expect(events.slice(0, -1).every((event) => typeof event === 'object' && event !== null && !('usage' in event))).toBe(true);
	});

	it('answers a non-streaming request with a full chat.completion', async () => {
		llm.script({ reply: (request) => `You sent ${request.messages.length} message(s).` });
		const body: unknown = await (await post('/chat/completions', chat)).json();
		expect(body).toMatchObject({
			object: 'chat.completion',
			model: 'gpt-4o-mini',
			choices: [{ index: 0, message: { role: 'assistant', content: 'You sent 1 message(s).' }, finish_reason: 'stop' }],
			usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 }
		});
	});

	it('cuts the reply at max_tokens with finish_reason length', async () => {
		const body: unknown = await (await post('/chat/completions', { ...chat, max_tokens: 2 })).json();
		expect(body).toMatchObject({ choices: [{ message: { content: 'Echo: ping' }, finish_reason: 'length' }], usage: { completion_tokens: 2 } });
	});

	it('works with the official SDK, streaming and not', async () => {
		const client = new OpenAI({ apiKey: API_KEY, baseURL: llm.url, maxRetries: 0, timeout: 2_000 });
		const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
		expect(completion.choices[0]?.message.content).toBe('Echo: hi');
		const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
		let text = '';
		for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
		expect(text).toBe('Echo: hi');
		const models = await client.models.list();
		expect(models.data.map((model) => model.id)).toContain('gpt-4o-mini');
	});

	it('consumes scripts one per request, then falls back to the default', async () => {
		llm.script({ reply: 'first' });
		llm.script({ reply: 'second' });
		const replies: unknown[] = [];
		for (let index = 0; index < 3; index++) replies.push(await (await post('/chat/completions', chat)).json());
		expect(replies.map((reply) => JSON.stringify(reply).match(/"content":"([^"]*)"/)?.[1])).toEqual(['first', 'second', 'Echo: ping pong']);
	});

	it('paces tokens: ttftMs before the first, tokenDelayMs between', async () => {
		llm.script({ reply: 'a b c', ttftMs: 150, tokenDelayMs: 100 });
		const started = Date.now();
		await (await post('/chat/completions', { ...chat, stream: true })).text();
		expect(Date.now() - started).toBeGreaterThanOrEqual(150 + 2 * 100 - 5);
	});

	it('fails like OpenAI: 429 with Retry-After, 500, 400, each with an error body', async () => {
		llm.script({ fault: 'http429', retryAfterSeconds: 7 });
		llm.script({ fault: 'http500' });
		llm.script({ fault: 'http400', message: 'bad temperature' });
		const limited = await post('/chat/completions', chat);
		expect(limited.status).toBe(429);
		expect(limited.headers.get('retry-after')).toBe('7');
		expect(await limited.json()).toEqual({ error: { message: expect.any(String), type: 'requests', param: null, code: 'rate_limit_exceeded' } });
		const failed = await post('/chat/completions', chat);
		expect(failed.status).toBe(500);
		expect(await failed.json()).toMatchObject({ error: { type: 'server_error' } });
		const rejected = await post('/chat/completions', chat);
		expect(rejected.status).toBe(400);
		expect(await rejected.json()).toMatchObject({ error: { message: 'bad temperature', type: 'invalid_request_error' } });
	});

	it('rejects malformed requests with 400 and unknown paths with 404', async () => {
		expect((await post('/chat/completions', { model: 'x', messages: [] })).status).toBe(400);
		expect((await post('/completions', chat)).status).toBe(404);
	});

	it('sends a broken data line for malformedSse', async () => {
		llm.script({ reply: 'a b c', fault: 'malformedSse', afterTokens: 1 });
		const text = await (await post('/chat/completions', { ...chat, stream: true })).text();
		expect(text).toContain('data: {not json\n\n');
		expect(text).not.toContain('[DONE]');
		expect(text.match(/"content":" ?[abc]"/g)).toEqual(['"content":"a"']);
	});

	it('cuts the connection after n tokens for dropMidStream', async () => {
		llm.script({ reply: 'a b c', fault: 'dropMidStream', afterTokens: 2 });
		const response = await post('/chat/completions', { ...chat, stream: true });
		await expect(response.text()).rejects.toThrow();
		expect(llm.requests[0]?.outcome).toBe('dropped');
	});

	it('with afterTokens beyond the reply, cuts the connection after the finish chunk', async () => {
		llm.script({ reply: 'a b', fault: 'malformedSse', afterTokens: 10 });
		const text = await (await post('/chat/completions', { ...chat, stream: true, stream_options: { include_usage: true } })).text();
		expect(text).toContain('"finish_reason":"stop"');
		expect(text.endsWith('data: {not json\n\n')).toBe(true);
		expect(text).not.toContain('prompt_tokens');
	});

	it('checks the bearer key when started with one, answering 401 like OpenAI', async () => {
		const response = await fetch(`${llm.url}/models`, { headers: { authorization: 'Bearer sk-not-the-right-key' } });
		expect(response.status).toBe(401);
		expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key' } });
		expect((await fetch(`${llm.url}/models`)).status).toBe(401);
	});

	it('records every request with path, headers, body and time', async () => {
		const before = Date.now();
		await post('/chat/completions', chat);
		await fetch(`${llm.url}/models`, { headers: { authorization: `Bearer ${API_KEY}` } });
		expect(llm.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /v1/chat/completions', 'GET /v1/models']);
		expect(llm.requests[0]).toMatchObject({ body: chat, headers: { authorization: `Bearer ${API_KEY}` }, outcome: 'answered' });
		expect(llm.requests[0]?.receivedAt.getTime()).toBeGreaterThanOrEqual(before - 1);
		llm.reset();
		expect(llm.requests).toHaveLength(0);
	});

	it('notices a client that disconnects mid-stream', async () => {
		llm.script({ reply: 'a b c d e f', tokenDelayMs: 200 });
		const controller = new AbortController();
		const response = await post('/chat/completions', { ...chat, stream: true }, controller.signal);
		const reader = response.body!.getReader();
		await reader.read();
		controller.abort();
		await vi.waitFor(() => expect(llm.requests[0]?.outcome).toBe('client-disconnected'));
	});

	it('ends hanging requests on close()', async () => {
		const server = await startFakeOpenAI();
		server.script({ fault: 'hang' });
		const hanging = fetch(`${server.url}/chat/completions`, { method: 'POST', body: JSON.stringify(chat) });
		await vi.waitFor(() => expect(server.requests).toHaveLength(1));
		const started = Date.now();
		await server.close();
		await expect(hanging).rejects.toThrow();
		expect(Date.now() - started).toBeLessThan(1_000);
		expect(server.requests[0]?.outcome).toBe('dropped');
	});
});

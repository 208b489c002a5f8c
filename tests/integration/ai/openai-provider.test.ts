import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OpenAIChatProvider } from '../../../src/lib/server/ai/openai-provider';
import { ProviderError, type ChatMessage, type ChatProvider, type ChatRequest } from '../../../src/lib/server/ai/provider';
import { providerFor, type ModelSettings, type ProviderOptions } from '../../../src/lib/server/ai/provider-registry';
import { countChatTokens, countTextTokens } from '../../../src/lib/server/ai/token-count';
import { collectStream } from '../../fakes/collect-stream';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai-server';

/**
 * The provider layer against the fake server, through the real openai SDK and real HTTP: the same
 * code path as production, with the vendor swapped by a base URL.
 */

const API_KEY = 'sk-test-0123456789abcdef';
const FAST: ProviderOptions = {
	timeouts: { firstTokenMs: 400, idleMs: 400 },
	retry: { maxRetries: 2, baseDelayMs: 20, maxDelayMs: 50, maxRetryAfterMs: 2_000 }
};
const messages: ChatMessage[] = [
	{ role: 'system', content: 'Be brief.' },
	{ role: 'user', content: 'hello streaming world' }
];

let llm: FakeOpenAI;
let provider: ChatProvider;

function model(overrides: Partial<ModelSettings> = {}): ModelSettings {
	return {
		modelName: 'llama3.1:8b',
		provider: 'openai-compatible',
		baseUrl: llm.url,
		contextWindow: 8_192,
		maxTokens: null,
		temperature: 0.2,
		topP: null,
		...overrides
	};
}

function request(overrides: Partial<ChatRequest> = {}): ChatRequest {
	return { model: 'llama3.1:8b', messages, ...overrides };
}

beforeAll(async () => {
	llm = await startFakeOpenAI({ apiKey: API_KEY });
	provider = providerFor(model(), { OPENAI_BASE_URL: llm.url, OPENAI_API_KEY: API_KEY }, FAST);
});
afterEach(() => llm.reset());
afterAll(() => llm.close());

describe('streaming', () => {
	it('delivers the tokens in order, then exactly one done with the upstream usage', async () => {
		const result = await collectStream(provider.streamChat(request({ temperature: 0.2, maxTokens: 50 })));

		expect(result.error).toBeUndefined();
		expect(result.deltas).toEqual(['Echo:', ' hello', ' streaming', ' world']);
		expect(result.text).toBe('Echo: hello streaming world');
		expect(result.done).toHaveLength(1);
		expect(result.events.at(-1)).toEqual({
			type: 'done',
			finishReason: 'stop',
			// The fake counts words: 3 + (4 + 2) + (4 + 3) prompt, 4 tokens out.
			usage: { promptTokens: 16, completionTokens: 4, source: 'upstream' }
		});
	});

	it('sends what OpenAI-compatible servers expect, with the key for the server it belongs to', async () => {
		await collectStream(provider.streamChat(request({ temperature: 0.2, topP: 0.9, maxTokens: 50 })));
		expect(llm.requests).toHaveLength(1);
		const [sent] = llm.requests;
		expect(sent?.path).toBe('/v1/chat/completions');
		expect(sent?.headers.authorization).toBe(`Bearer ${API_KEY}`);
		expect(sent?.body).toEqual({
			model: 'llama3.1:8b',
			messages,
			stream: true,
			stream_options: { include_usage: true },
			temperature: 0.2,
			top_p: 0.9,
			max_tokens: 50
		});
	});

	it('keeps explicit token boundaries and reports a length cut', async () => {
		llm.script({ tokens: ['Hel', 'lo', ',', ' wor', 'ld'], finishReason: 'length' });
		const result = await collectStream(provider.streamChat(request()));
		expect(result.deltas).toEqual(['Hel', 'lo', ',', ' wor', 'ld']);
		expect(result.done[0]?.finishReason).toBe('length');
	});

	it('counts usage itself when the server sends none', async () => {
		llm.script({ reply: 'Counted here, not upstream.', usage: 'omit' });
		const result = await collectStream(provider.streamChat(request()));
		expect(result.done[0]?.usage).toEqual({
			promptTokens: countChatTokens(messages),
			completionTokens: countTextTokens('Counted here, not upstream.'),
			source: 'counted'
		});
	});

	it('passes on the numbers the server reports', async () => {
		llm.script({ usage: { prompt_tokens: 1234, completion_tokens: 56 } });
		const result = await collectStream(provider.streamChat(request()));
		expect(result.done[0]?.usage).toEqual({ promptTokens: 1234, completionTokens: 56, source: 'upstream' });
	});

	it('asks OpenAI itself for max_completion_tokens (its reasoning models reject max_tokens)', async () => {
		const openai = new OpenAIChatProvider({
			name: 'openai',
			baseURL: llm.url,
			apiKey: API_KEY,
			maxTokensParameter: 'max_completion_tokens',
			...FAST
		});
		await collectStream(openai.streamChat(request({ maxTokens: 2 })));
		expect(llm.requests[0]?.body).toMatchObject({ max_completion_tokens: 2 });
		expect(llm.requests[0]?.body).not.toHaveProperty('max_tokens');
	});
});

describe('retries before the first token', () => {
	it('waits out a 429 Retry-After, retries a 500, then streams the answer', async () => {
		llm.script({ fault: 'http429', retryAfterSeconds: 1 });
		llm.script({ fault: 'http500' });
		const started = Date.now();
		const result = await collectStream(provider.streamChat(request()));

		expect(result.error).toBeUndefined();
		expect(result.text).toBe('Echo: hello streaming world');
		expect(llm.requests).toHaveLength(3);
		const [first, second] = llm.requests;
		expect(second!.receivedAt.getTime() - first!.receivedAt.getTime()).toBeGreaterThanOrEqual(990);
		expect(Date.now() - started).toBeLessThan(3_000);
	});

	it('gives up after the bounded retries with unavailable', async () => {
		for (let index = 0; index < 5; index++) llm.script({ fault: 'http500' });
		const result = await collectStream(provider.streamChat(request()));
		expect(result.error).toBeInstanceOf(ProviderError);
		expect(result.error).toMatchObject({ kind: 'unavailable', partial: false, retryable: true });
		expect(llm.requests).toHaveLength(3);
		expect(result.deltas).toEqual([]);
	});

	it('gives up after the bounded retries with rate_limited and the wait the server asked for', async () => {
		for (let index = 0; index < 5; index++) llm.script({ fault: 'http429', retryAfterSeconds: 0 });
		const result = await collectStream(provider.streamChat(request()));
		expect(result.error).toMatchObject({ kind: 'rate_limited', retryAfterMs: 0 });
		expect(llm.requests).toHaveLength(3);
	});

	it('does not sit through a Retry-After longer than the cap: it tells the user how long instead', async () => {
		llm.script({ fault: 'http429', retryAfterSeconds: 60 });
		const result = await collectStream(provider.streamChat(request()));
		expect(result.error).toMatchObject({ kind: 'rate_limited', retryAfterMs: 60_000 });
		expect(String(result.error)).toMatch(/Try again in 60 s/);
		expect(llm.requests).toHaveLength(1);
	});

	it('does not retry requests the server rejected, and shows its reason', async () => {
		llm.script({ fault: 'http400', message: "This model's maximum context length is 8192 tokens." });
		const result = await collectStream(provider.streamChat(request()));
		expect(result.error).toMatchObject({ kind: 'bad_request', retryable: false });
		expect(String(result.error)).toContain('maximum context length is 8192 tokens');
		expect(llm.requests).toHaveLength(1);
	});

	it('reports a connection failure after retrying it', async () => {
		const closed = await startFakeOpenAI();
		const url = closed.url;
		await closed.close();
		const offline = providerFor(model({ baseUrl: url }), {}, FAST);
		const result = await collectStream(offline.streamChat(request()));
		expect(result.error).toMatchObject({ kind: 'connection', partial: false });
		expect(String(result.error)).toContain(new URL(url).host);
	});
});

describe('timeouts', () => {
	it('stops waiting for a hung server at the first-token timeout, and does not retry it', async () => {
		llm.script({ fault: 'hang' });
		const started = Date.now();
		const result = await collectStream(provider.streamChat(request()));
		expect(result.error).toMatchObject({ kind: 'timeout', partial: false });
		expect(String(result.error)).toMatch(/did not start answering within 400 ms/);
		expect(Date.now() - started).toBeGreaterThanOrEqual(350);
		expect(Date.now() - started).toBeLessThan(1_000);
		expect(llm.requests).toHaveLength(1);
		await vi.waitFor(() => expect(llm.requests[0]?.outcome).toBe('client-disconnected'));
	});

	it('times out a server that answers with headers but no token', async () => {
		llm.script({ ttftMs: 5_000 });
		const result = await collectStream(provider.streamChat(request()));
		expect(result.error).toMatchObject({ kind: 'timeout', partial: false });
		expect(String(result.error)).toMatch(/did not start answering/);
	});

	it('times out a stream that goes quiet between tokens, keeping what arrived', async () => {
		llm.script({ reply: 'one two three', tokenDelayMs: 2_000 });
		const result = await collectStream(provider.streamChat(request()));
		expect(result.deltas).toEqual(['one']);
		expect(result.error).toMatchObject({ kind: 'timeout', partial: true });
		expect(String(result.error)).toMatch(/stopped sending/);
	});

	it('does not count a slow consumer as a quiet server', async () => {
		llm.script({ reply: 'one two three' });
		let first = true;
		const result = await collectStream(provider.streamChat(request()), async () => {
			// The consumer (say, a slow client connection) takes longer than idleMs over one token.
			if (first) await new Promise((resolve) => setTimeout(resolve, 600));
			first = false;
		});
		expect(result.error).toBeUndefined();
		expect(result.text).toBe('one two three');
	});
});

describe('broken streams', () => {
	it('turns a connection dropped mid-stream into a partial error after the delivered tokens', async () => {
		llm.script({ reply: 'alpha beta gamma delta', fault: 'dropMidStream', afterTokens: 2 });
		const result = await collectStream(provider.streamChat(request()));
		expect(result.deltas).toEqual(['alpha', ' beta']);
		expect(result.done).toHaveLength(0);
		expect(result.error).toBeInstanceOf(ProviderError);
		expect(result.error).toMatchObject({ kind: 'connection', partial: true });
		expect(result.error).toMatchObject({ usage: { completionTokens: countTextTokens('alpha beta'), source: 'counted' } });
		// Tokens were shown: a retry would glue a second answer onto the first.
		expect(llm.requests).toHaveLength(1);
	});

	it('turns a malformed SSE line into a partial malformed error', async () => {
		llm.script({ reply: 'alpha beta gamma', fault: 'malformedSse', afterTokens: 2 });
		const result = await collectStream(provider.streamChat(request()));
		expect(result.deltas).toEqual(['alpha', ' beta']);
		expect(result.error).toMatchObject({ kind: 'malformed', partial: true });
		expect(llm.requests).toHaveLength(1);
	});

	it('still completes an answer whose finish chunk arrived before the connection broke', async () => {
		llm.script({ reply: 'all here', fault: 'dropMidStream', afterTokens: 99 });
		const result = await collectStream(provider.streamChat(request()));
		expect(result.error).toBeUndefined();
		expect(result.text).toBe('all here');
		// The usage chunk was lost with the connection: counted instead.
		expect(result.done).toEqual([{ type: 'done', finishReason: 'stop', usage: expect.objectContaining({ source: 'counted' }) }]);
	});

	it('retries a stream that broke before its first token', async () => {
		llm.script({ fault: 'dropMidStream', afterTokens: 0 });
		const result = await collectStream(provider.streamChat(request()));
		expect(result.error).toBeUndefined();
		expect(result.text).toBe('Echo: hello streaming world');
		expect(llm.requests).toHaveLength(2);
	});
});

describe('cancellation', () => {
	it('stops on abort, closes the upstream request, and says the answer was partial', async () => {
		llm.script({ reply: 'a b c d e f g h i j', tokenDelayMs: 50 });
		const controller = new AbortController();
		const result = await collectStream(provider.streamChat(request({ signal: controller.signal })), (event) => {
			if (event.type === 'delta' && event.text.trim() === 'b') controller.abort();
		});
		expect(result.deltas).toEqual(['a', ' b']);
		expect(result.error).toMatchObject({ kind: 'aborted', partial: true, retryable: false });
		await vi.waitFor(() => expect(llm.requests[0]?.outcome).toBe('client-disconnected'));
	});

	it('closes the upstream request when the consumer stops reading', async () => {
		llm.script({ reply: 'a b c d e f g h i j', tokenDelayMs: 50 });
		for await (const event of provider.streamChat(request())) {
			if (event.type === 'delta') break;
		}
		await vi.waitFor(() => expect(llm.requests[0]?.outcome).toBe('client-disconnected'));
	});

	it('aborts a request that is still waiting for its first token', async () => {
		llm.script({ fault: 'hang' });
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 100);
		const result = await collectStream(provider.streamChat(request({ signal: controller.signal })));
		expect(result.error).toMatchObject({ kind: 'aborted', partial: false });
		await vi.waitFor(() => expect(llm.requests[0]?.outcome).toBe('client-disconnected'));
	});

	it('sends nothing when the signal is already aborted', async () => {
		const result = await collectStream(provider.streamChat(request({ signal: AbortSignal.abort() })));
		expect(result.error).toMatchObject({ kind: 'aborted' });
		expect(llm.requests).toHaveLength(0);
	});
});

describe('credentials', () => {
	it('reports a rejected key without repeating any of it', async () => {
		const wrongKey = providerFor(model(), { OPENAI_BASE_URL: llm.url, OPENAI_API_KEY: 'sk-wrong-key-abcdef987654' }, FAST);
		const result = await collectStream(wrongKey.streamChat(request()));
		expect(result.error).toMatchObject({ kind: 'auth', retryable: false });
		const shown = String(result.error);
		expect(shown).not.toMatch(/sk-|7654|wrong-key/);
		expect(llm.requests).toHaveLength(1);
	});

	it('never sends OPENAI_API_KEY to an OpenAI-compatible server at another address', async () => {
		const other = await startFakeOpenAI();
		try {
			const compatible = providerFor(model({ baseUrl: other.url }), { OPENAI_BASE_URL: llm.url, OPENAI_API_KEY: API_KEY }, FAST);
			const result = await collectStream(compatible.streamChat(request()));
			expect(result.error).toBeUndefined();
			expect(other.requests[0]?.headers).not.toHaveProperty('authorization');
		} finally {
			await other.close();
		}
	});
});

import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashedEmbedding } from '../../../src/lib/server/ai/hashed-embedding';
import { embeddingProviderFor, type ModelSettings } from '../../../src/lib/server/ai/provider-registry';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/fake-openai-server';

const API_KEY = 'sk-embed-test-key';
const texts = ['The office opens at nine.', 'Visitors park in the north lot.', ''];
let llm: FakeOpenAI;

const embeddingModel = (): ModelSettings => ({
	modelName: 'text-embedding-3-small',
	provider: 'openai',
	baseUrl: null,
	contextWindow: 8_191,
	maxTokens: null,
	temperature: null,
	topP: null
});
const retry = { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 20 };

beforeAll(async () => {
	llm = await startFakeOpenAI({ apiKey: API_KEY });
});
afterEach(() => llm.reset());
afterAll(() => llm.close());

describe('embeddings through the SDK', () => {
	it('requests base64 and decodes it to the same vectors the server computed', async () => {
		const embedder = embeddingProviderFor(embeddingModel(), { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: llm.url }, 1536, { retry });
		const vectors = await embedder.embed(texts);

		expect(llm.requests[0]?.body).toMatchObject({ model: 'text-embedding-3-small', input: texts, encoding_format: 'base64' });
		expect(vectors).toHaveLength(3);
		texts.forEach((text, index) => {
			// Float32 on the wire: equal to the float64 originals after rounding to float32.
			expect(vectors[index]).toEqual(hashedEmbedding(text).map(Math.fround));
		});
	});

	it('decodes base64 to exactly what encoding_format float returns', async () => {
		const client = new OpenAI({ apiKey: API_KEY, baseURL: llm.url, maxRetries: 0, timeout: 2_000 });
		const asBase64 = await client.embeddings.create({ model: 'text-embedding-3-small', input: texts });
		const asFloat = await client.embeddings.create({ model: 'text-embedding-3-small', input: texts, encoding_format: 'float' });
		const decoded = asBase64.data.map((item) => item.embedding);
		expect(decoded).toEqual(asFloat.data.map((item) => item.embedding.map(Math.fround)));
		expect(decoded[0]?.some((value) => value !== 0)).toBe(true);
		expect(asBase64.usage).toEqual({ prompt_tokens: 11, total_tokens: 11 });
	});

	it('keeps order across batches', async () => {
		const many = Array.from({ length: 7 }, (_, index) => `document number ${index}`);
		const embedder = embeddingProviderFor(embeddingModel(), { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: llm.url }, 1536, {
			retry,
			batchSize: 3
		});
		const vectors = await embedder.embed(many);
		expect(llm.requests).toHaveLength(3);
		expect(vectors).toEqual(many.map((text) => hashedEmbedding(text).map(Math.fround)));
	});

	it('retries a transient failure', async () => {
		llm.scriptEmbeddings({ fault: 'http500' });
		const embedder = embeddingProviderFor(embeddingModel(), { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: llm.url }, 1536, { retry });
		await expect(embedder.embed(['hello'])).resolves.toHaveLength(1);
		expect(llm.requests).toHaveLength(2);
	});

	it('refuses vectors of another length than the knowledge base stores', async () => {
		const embedder = embeddingProviderFor(embeddingModel(), { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: llm.url }, 768, { retry });
		await expect(embedder.embed(['hello'])).rejects.toMatchObject({ kind: 'bad_request' });
		await expect(embedder.embed(['hello'])).rejects.toThrow(/1536-dimensional vectors; the knowledge base stores 768/);
	});

	it('embeds offline with the hashed embedding when nothing is configured', async () => {
		const embedder = embeddingProviderFor(embeddingModel(), {}, 1536);
		expect(embedder.name).toBe('offline');
		expect(await embedder.embed(['hello'])).toEqual([hashedEmbedding('hello')]);
		expect(llm.requests).toHaveLength(0);
	});
});

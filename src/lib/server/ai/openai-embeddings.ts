import type OpenAI from 'openai';
import { createOpenAIClient, hostOf, type OpenAIConnection } from './openai-client';
import { providerErrorFromOpenAI } from './openai-errors';
import { ProviderError, type EmbeddingProvider } from './provider';
import { DEFAULT_RETRY_POLICY, abortedError, retryDelayMs, sleep, type RetryPolicy } from './retry';

export interface OpenAIEmbeddingProviderOptions extends OpenAIConnection {
	name: 'openai' | 'openai-compatible';
	/** e.g. text-embedding-3-small */
	model: string;
	/** What the caller stores; a server answering with another length is an error, not a silent mismatch. */
	dimensions: number;
	timeoutMs?: number;
	retry?: Partial<RetryPolicy>;
	/** Texts per request: OpenAI accepts up to 2048, smaller batches fail and retry more cheaply. */
	batchSize?: number;
}

/**
 * Embeddings through the openai SDK. The SDK asks for base64 (a quarter of the JSON size) and
 * decodes it to floats itself; we only check what comes back and retry transient failures.
 */
export class OpenAIEmbeddingProvider implements EmbeddingProvider {
	readonly name: 'openai' | 'openai-compatible';
	readonly dimensions: number;
	private readonly client: OpenAI;
	private readonly host: string;
	private readonly model: string;
	private readonly retry: RetryPolicy;
	private readonly batchSize: number;

	constructor(options: OpenAIEmbeddingProviderOptions) {
		this.name = options.name;
		this.dimensions = options.dimensions;
		this.model = options.model;
		this.host = hostOf(options.baseURL);
		this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
		this.batchSize = options.batchSize ?? 256;
		this.client = createOpenAIClient(options, options.timeoutMs ?? 30_000);
	}

	async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
		const vectors: number[][] = [];
		for (let start = 0; start < texts.length; start += this.batchSize) {
			vectors.push(...(await this.embedBatch(texts.slice(start, start + this.batchSize), signal)));
		}
		return vectors;
	}

	private async embedBatch(texts: string[], signal: AbortSignal | undefined): Promise<number[][]> {
		for (let retryIndex = 0; ; retryIndex++) {
			if (signal?.aborted) throw abortedError();
			try {
				const response = await this.client.embeddings.create({ model: this.model, input: texts }, { signal });
				return this.checked(response.data, texts.length);
			} catch (caught) {
				const error = providerErrorFromOpenAI(caught, { host: this.host, partial: false });
				const delay = retryDelayMs(error, retryIndex, this.retry);
				if (delay === null) throw error;
				await sleep(delay, signal);
			}
		}
	}

	private checked(data: OpenAI.Embeddings.Embedding[], expected: number): number[][] {
		const vectors = [...data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
		if (vectors.length !== expected) {
			throw new ProviderError('malformed', `The embedding server returned ${vectors.length} vectors for ${expected} texts.`);
		}
		const wrong = vectors.find((vector) => vector.length !== this.dimensions);
		if (wrong) {
			throw new ProviderError(
				'bad_request',
				`The embedding model ${this.model} returns ${wrong.length}-dimensional vectors; the knowledge base stores ${this.dimensions}.`,
				{ retryable: false }
			);
		}
		return vectors;
	}
}

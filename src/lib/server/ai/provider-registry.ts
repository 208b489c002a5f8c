import type { Env } from '../env';
import { HashedEmbeddingProvider } from './hashed-embedding';
import { OfflineChatProvider, type RetrievePassages } from './offline-provider';
import { OPENAI_DEFAULT_BASE_URL, isOpenAIHost, type OpenAIConnection } from './openai-client';
import { OpenAIEmbeddingProvider } from './openai-embeddings';
import { OpenAIChatProvider, type StreamTimeouts } from './openai-provider';
import { ProviderError, type ChatMessage, type ChatProvider, type ChatRequest, type EmbeddingProvider } from './provider';
import type { RetryPolicy } from './retry';
import { decryptSecret, SecretUnavailableError, secretKeyFrom } from './secret-box';

/**
 * Providers behind one function: the chat feature asks for "the provider of this model" and
 * never names a vendor, so tests swap the vendor (a fake server's URL) and keep the code path.
 */

/** Prisma returns numeric columns as Decimal; plain numbers do for tests and forms. */
export type NumericSetting = number | { toNumber(): number };

/**
 * The columns of model_configurations this layer needs, as plain data. A row from Prisma
 * (ModelConfiguration) fits as it is; tests/unit/ai/provider-registry.test.ts checks that it does.
 */
export interface ModelSettings {
	/** The row's id: a stored API key is bound to it. */
	id?: string;
	modelName: string;
	provider: string;
	baseUrl: string | null;
	contextWindow: number;
	maxTokens: number | null;
	temperature: NumericSetting | null;
	topP: NumericSetting | null;
	/** The model's own API key, encrypted (021); it takes precedence over OPENAI_API_KEY. */
	apiKeyCiphertext?: string | null;
}

export type ProviderEnv = Pick<Env, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL'> & Partial<Pick<Env, 'MODEL_KEYS_SECRET'>>;

export interface ProviderOptions {
	/** Knowledge base search for the offline assistant. */
	retrieve?: RetrievePassages;
	timeouts?: Partial<StreamTimeouts>;
	retry?: Partial<RetryPolicy>;
	/** Pause between the offline assistant's chunks (0 in tests). */
	offlineChunkDelayMs?: number;
}

export function providerFor(model: ModelSettings, env: ProviderEnv, options: ProviderOptions = {}): ChatProvider {
	const connection = connectionFor(model, env);
	if (connection === 'offline') {
		return new OfflineChatProvider({
			retrieve: options.retrieve,
			isOfflineFallback: model.provider !== 'offline',
			chunkDelayMs: options.offlineChunkDelayMs ?? 15
		});
	}
	return new OpenAIChatProvider({
		...connection,
		maxTokensParameter: isOpenAIHost(connection.baseURL) ? 'max_completion_tokens' : 'max_tokens',
		timeouts: options.timeouts,
		retry: options.retry
	});
}

/** Embeddings for the knowledge base, from an embedding model's configuration. */
export function embeddingProviderFor(
	model: ModelSettings,
	env: ProviderEnv,
	dimensions: number,
	options: Pick<ProviderOptions, 'retry'> & { timeoutMs?: number; batchSize?: number } = {}
): EmbeddingProvider {
	const connection = connectionFor(model, env);
	if (connection === 'offline') return new HashedEmbeddingProvider(dimensions);
	return new OpenAIEmbeddingProvider({ ...connection, model: model.modelName, dimensions, ...options });
}

/** The request for `model`, with its configured sampling settings (null ones are not sent). */
export function chatRequestFor(model: ModelSettings, messages: ChatMessage[], signal?: AbortSignal): ChatRequest {
	return {
		model: model.modelName,
		messages,
		temperature: model.temperature === null ? undefined : toNumber(model.temperature),
		topP: model.topP === null ? undefined : toNumber(model.topP),
		maxTokens: model.maxTokens ?? undefined,
		signal
	};
}

type Connection = OpenAIConnection & { name: 'openai' | 'openai-compatible' };

/** The model's own key, decrypted; null when it has none. */
function ownKeyOf(model: ModelSettings, env: ProviderEnv): string | null {
	if (!model.apiKeyCiphertext) return null;
	try {
		return decryptSecret(secretKeyFrom(env.MODEL_KEYS_SECRET), model.apiKeyCiphertext, model.id ?? '');
	} catch (error) {
		const message = error instanceof SecretUnavailableError ? error.message : 'The model’s API key cannot be read.';
		throw new ProviderError('auth', `${model.modelName}: ${message}`, { retryable: false, cause: error });
	}
}

function connectionFor(model: ModelSettings, env: ProviderEnv): Connection | 'offline' {
	if (model.provider === 'offline') return 'offline';
	const ownKey = ownKeyOf(model, env);
	const apiKey = ownKey ?? (env.OPENAI_API_KEY || null);
	switch (model.provider) {
		case 'openai': {
			const baseURL = model.baseUrl || env.OPENAI_BASE_URL;
			// Nothing to reach OpenAI with: answer offline, and say so, rather than fail every message.
			if (apiKey === null && !baseURL) return 'offline';
			return { name: 'openai', baseURL: baseURL || OPENAI_DEFAULT_BASE_URL, apiKey };
		}
		case 'openai-compatible': {
			const baseURL = model.baseUrl || env.OPENAI_BASE_URL;
			if (!baseURL) {
				throw new ProviderError(
					'bad_request',
					`The model ${model.modelName} is set to an OpenAI-compatible server but has no base URL, and OPENAI_BASE_URL is not set.`,
					{ retryable: false }
				);
			}
			if (ownKey) return { name: 'openai-compatible', baseURL, apiKey: ownKey };
			// OPENAI_API_KEY goes only to the server it was configured with, never to a model's own URL.
			const sameServer = env.OPENAI_BASE_URL !== undefined && sameOrigin(baseURL, env.OPENAI_BASE_URL);
			return { name: 'openai-compatible', baseURL, apiKey: sameServer ? apiKey : null };
		}
		default:
			throw new ProviderError('bad_request', `The model ${model.modelName} has an unknown provider '${model.provider}'.`, {
				retryable: false
			});
	}
}

function sameOrigin(a: string, b: string): boolean {
	try {
		return new URL(a).origin === new URL(b).origin;
	} catch {
		return false;
	}
}

function toNumber(value: NumericSetting): number {
	return typeof value === 'number' ? value : value.toNumber();
}

/** True when this model would be answered by the offline assistant (offline by choice, or nothing configured). */
export function answersOffline(model: ModelSettings, env: ProviderEnv): boolean {
	try {
		return connectionFor(model, env) === 'offline';
	} catch {
		return false; // misconfigured: it fails loudly when used rather than silently going offline
	}
}

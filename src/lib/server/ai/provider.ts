/**
 * The one contract between the chat feature and any language model. Everything vendor-specific
 * (SDKs, wire formats, retries, offline answers) lives behind it, so callers and tests exercise
 * the same code path whichever provider a model configuration selects.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
	role: ChatRole;
	content: string;
}

export interface ChatRequest {
	/** The provider's model id, sent verbatim (model_configurations.model_name). */
	model: string;
	messages: ChatMessage[];
	/** Undefined means "don't send it": some models (gpt-5 family) accept only their default. */
	temperature?: number;
	topP?: number;
	/** Most output tokens for this answer. */
	maxTokens?: number;
	/** Aborting it stops the answer and closes the upstream request. */
	signal?: AbortSignal;
	/**
	 * Knowledge base passages the answer pipeline retrieved for this question. The offline
	 * assistant quotes them; model providers get them inside `messages` instead.
	 */
	passages?: readonly Passage[];
}

/** A piece of the knowledge base, as the knowledge feature's search returns it. */
export interface Passage {
	title: string;
	content: string;
	/** Where it came from (a URL or file name), shown with the citation. */
	source?: string;
	/** Its number among the answer's sources, [n]. */
	number?: number;
}

/** Why the model stopped, as OpenAI reports it. */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'function_call';

export interface TokenUsage {
	promptTokens: number;
	completionTokens: number;
	/** 'upstream': reported by the model server; 'counted': counted here with the tokenizer. */
	source: 'upstream' | 'counted';
}

export type ChatStreamEvent =
	| { type: 'delta'; text: string }
	| { type: 'done'; finishReason: FinishReason; usage: TokenUsage };

export interface ChatProvider {
	/** 'openai', 'openai-compatible' or 'offline': what answers, for logs and api_usage_logs.provider. */
	readonly name: ProviderName;
	/**
	 * True when an OpenAI model was selected but nothing is configured to reach it, so the offline
	 * assistant answers instead: the UI says "offline mode" rather than pretending to be the model.
	 */
	readonly isOfflineFallback: boolean;
	/**
	 * Deltas in order, then exactly one 'done'. Failures are thrown as ProviderError, also after
	 * some deltas (then `partial` is true). Breaking out of the loop closes the upstream request.
	 */
	streamChat(request: ChatRequest): AsyncIterable<ChatStreamEvent>;
}

export interface EmbeddingProvider {
	readonly name: ProviderName;
	/** Length of every vector returned (the knowledge base stores vector(1536)). */
	readonly dimensions: number;
	/** One vector per text, in the same order. */
	embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}

export type ProviderName = 'openai' | 'openai-compatible' | 'offline';

export type ProviderErrorKind =
	| 'rate_limited'
	| 'unavailable'
	| 'timeout'
	| 'bad_request'
	| 'auth'
	| 'aborted'
	| 'malformed'
	| 'connection';

/** The same request may well succeed if it is tried again a little later. */
const TRANSIENT_KINDS: ReadonlySet<ProviderErrorKind> = new Set(['rate_limited', 'unavailable', 'connection', 'timeout']);

export interface ProviderErrorOptions {
	/** Some deltas were delivered before the failure. */
	partial?: boolean;
	/** The server said when to try again (Retry-After). */
	retryAfterMs?: number;
	/** Overrides the kind's default, e.g. a 429 for an exhausted quota is not worth retrying. */
	retryable?: boolean;
	/** Counted usage of what was sent and delivered before the failure, for cost logging. */
	usage?: TokenUsage;
	cause?: unknown;
}

/**
 * A model call failed. `message` is written for the person chatting: it never holds a stack, a key
 * or an upstream body that might echo one. The original error stays in `cause`, for the logs.
 */
export class ProviderError extends Error {
	override readonly name = 'ProviderError';
	readonly partial: boolean;
	readonly retryAfterMs: number | undefined;
	readonly retryable: boolean;
	readonly usage: TokenUsage | undefined;

	constructor(
		readonly kind: ProviderErrorKind,
		message: string,
		options: ProviderErrorOptions = {}
	) {
		super(message, options.cause === undefined ? undefined : { cause: options.cause });
		this.partial = options.partial ?? false;
		this.retryAfterMs = options.retryAfterMs;
		this.retryable = options.retryable ?? TRANSIENT_KINDS.has(kind);
		this.usage = options.usage;
	}
}

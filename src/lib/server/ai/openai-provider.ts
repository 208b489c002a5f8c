import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { createOpenAIClient, hostOf, type OpenAIConnection } from './openai-client';
import { providerErrorFromOpenAI } from './openai-errors';
import {
	ProviderError,
	type ChatMessage,
	type ChatProvider,
	type ChatRequest,
	type ChatStreamEvent,
	type FinishReason,
	type TokenUsage
} from './provider';
import { DEFAULT_RETRY_POLICY, abortedError, retryDelayMs, sleep, type RetryPolicy } from './retry';
import { countChatTokens, countTextTokens } from './token-count';

export interface StreamTimeouts {
	/** From sending the request to the first token of the answer (reasoning models think first). */
	firstTokenMs: number;
	/** Longest silence between two chunks once the answer has started. */
	idleMs: number;
}

export const DEFAULT_STREAM_TIMEOUTS: StreamTimeouts = { firstTokenMs: 60_000, idleMs: 30_000 };

export interface OpenAIChatProviderOptions extends OpenAIConnection {
	name: 'openai' | 'openai-compatible';
	/**
	 * OpenAI wants `max_completion_tokens` (its reasoning models reject `max_tokens`); Ollama, vLLM
	 * and LM Studio have long understood only `max_tokens`.
	 */
	maxTokensParameter: 'max_completion_tokens' | 'max_tokens';
	timeouts?: Partial<StreamTimeouts>;
	retry?: Partial<RetryPolicy>;
}

/** Why we aborted the upstream request ourselves (the SDK then ends its stream silently). */
type StopReason = 'caller' | 'first_token_timeout' | 'idle_timeout';

/**
 * Chat through the official openai SDK, for OpenAI and for OpenAI-compatible servers. Adds what
 * the SDK leaves to us: retries only before the first token, first-token and idle timeouts,
 * cancellation that closes the upstream request, typed errors, and usage when the server omits it.
 */
export class OpenAIChatProvider implements ChatProvider {
	readonly name: 'openai' | 'openai-compatible';
	readonly isOfflineFallback = false;
	private readonly client: OpenAI;
	private readonly host: string;
	private readonly timeouts: StreamTimeouts;
	private readonly retry: RetryPolicy;
	private readonly maxTokensParameter: OpenAIChatProviderOptions['maxTokensParameter'];

	constructor(options: OpenAIChatProviderOptions) {
		this.name = options.name;
		this.timeouts = { ...DEFAULT_STREAM_TIMEOUTS, ...options.timeouts };
		this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
		this.maxTokensParameter = options.maxTokensParameter;
		this.host = hostOf(options.baseURL);
		// Our first-token timer fires first; the SDK's timeout only backs it up.
		this.client = createOpenAIClient(options, this.timeouts.firstTokenMs + 1_000);
	}

	async *streamChat(request: ChatRequest): AsyncGenerator<ChatStreamEvent> {
		for (let retryIndex = 0; ; retryIndex++) {
			if (request.signal?.aborted) throw abortedError();
			const progress = { delivered: false };
			try {
				yield* this.attempt(request, progress);
				return;
			} catch (caught) {
				const error = providerErrorFromOpenAI(caught, { host: this.host, partial: progress.delivered });
				const delay = progress.delivered ? null : retryDelayMs(error, retryIndex, this.retry);
				if (delay === null) throw error;
				await sleep(delay, request.signal);
			}
		}
	}

	/** One request to the server; `progress.delivered` tells the caller whether it may retry. */
	private async *attempt(request: ChatRequest, progress: { delivered: boolean }): AsyncGenerator<ChatStreamEvent> {
		const upstream = new AbortController();
		let stopReason: StopReason | undefined;
		// abort() without a reason: the SDK recognises the default AbortError and ends quietly.
		const stop = (reason: StopReason) => {
			stopReason ??= reason;
			upstream.abort();
		};
		const onCallerAbort = () => stop('caller');
		request.signal?.addEventListener('abort', onCallerAbort, { once: true });
		let timer = setTimeout(() => stop('first_token_timeout'), this.timeouts.firstTokenMs);
		const restartIdleTimer = () => {
			clearTimeout(timer);
			timer = setTimeout(() => stop('idle_timeout'), this.timeouts.idleMs);
		};

		let text = '';
		let finishReason: FinishReason | undefined;
		let upstreamUsage: TokenUsage | undefined;
		const countedUsage = (): TokenUsage => ({
			promptTokens: countChatTokens(request.messages),
			completionTokens: countTextTokens(text),
			source: 'counted'
		});
		const stoppedError = () => this.stoppedError(stopReason ?? 'caller', progress.delivered, countedUsage());

		try {
			const stream = await this.client.chat.completions.create(this.body(request), { signal: upstream.signal });
			for await (const chunk of stream) {
				if (progress.delivered) restartIdleTimer();
				if (chunk.usage) {
					upstreamUsage = {
						promptTokens: chunk.usage.prompt_tokens,
						completionTokens: chunk.usage.completion_tokens,
						source: 'upstream'
					};
				}
				const choice = chunk.choices[0];
				if (choice?.finish_reason) finishReason = choice.finish_reason;
				const delta = choice?.delta.content;
				if (delta) {
					progress.delivered = true;
					text += delta;
					// The idle timer measures the server's silence, not how long the consumer takes.
					clearTimeout(timer);
					yield { type: 'delta', text: delta };
					restartIdleTimer();
				}
			}
			if (stopReason) throw stoppedError();
			if (finishReason === undefined) {
				throw new ProviderError('connection', 'The model server closed the connection before finishing its answer.', {
					partial: progress.delivered,
					usage: countedUsage()
				});
			}
			clearTimeout(timer);
			yield { type: 'done', finishReason, usage: upstreamUsage ?? countedUsage() };
		} catch (caught) {
			if (stopReason) throw stoppedError();
			// The answer was complete (finish_reason came) and only the usage chunk or [DONE] was
			// lost: deliver it rather than turn a finished answer into an error.
			if (finishReason !== undefined && !(caught instanceof ProviderError)) {
				yield { type: 'done', finishReason, usage: countedUsage() };
				return;
			}
			throw providerErrorFromOpenAI(caught, {
				host: this.host,
				partial: progress.delivered,
				usage: progress.delivered ? countedUsage() : undefined
			});
		} finally {
			clearTimeout(timer);
			request.signal?.removeEventListener('abort', onCallerAbort);
			// Closes the HTTP request when the consumer stopped early (break, return, a throw).
			upstream.abort();
		}
	}

	private body(request: ChatRequest): ChatCompletionCreateParamsStreaming {
		return {
			model: request.model,
			messages: request.messages.map(toOpenAIMessage),
			stream: true,
			stream_options: { include_usage: true },
			...(request.temperature === undefined ? {} : { temperature: request.temperature }),
			...(request.topP === undefined ? {} : { top_p: request.topP }),
			...maxTokensField(this.maxTokensParameter, request.maxTokens)
		};
	}

	private stoppedError(reason: StopReason, partial: boolean, usage: TokenUsage): ProviderError {
		if (reason === 'caller') {
			return new ProviderError('aborted', 'The answer was stopped.', { partial, usage, retryable: false });
		}
		const message =
			reason === 'first_token_timeout'
				? `The model did not start answering within ${seconds(this.timeouts.firstTokenMs)}.`
				: `The model stopped sending its answer for ${seconds(this.timeouts.idleMs)}.`;
		return new ProviderError('timeout', message, { partial, usage });
	}
}

function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
	switch (message.role) {
		case 'system':
			return { role: 'system', content: message.content };
		case 'user':
			return { role: 'user', content: message.content };
		case 'assistant':
			return { role: 'assistant', content: message.content };
	}
}

function maxTokensField(
	parameter: OpenAIChatProviderOptions['maxTokensParameter'],
	maxTokens: number | undefined
): { max_tokens?: number; max_completion_tokens?: number } {
	if (maxTokens === undefined) return {};
	return parameter === 'max_tokens' ? { max_tokens: maxTokens } : { max_completion_tokens: maxTokens };
}

function seconds(ms: number): string {
	return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

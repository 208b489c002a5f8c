import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { ProviderError, type ChatMessage } from './provider';

/**
 * Token counts with o200k_base, the encoding of GPT-4o, GPT-4.1 and GPT-5. For other models
 * (Llama, Mistral… behind an OpenAI-compatible server) it is an estimate within a few percent,
 * which is what context trimming and counted usage need.
 */

// Special-token text typed by a user ("<|endoftext|>") is counted as ordinary text, as the API
// treats it, instead of throwing.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** OpenAI's chat format wraps every message in <|start|>{role}<|message|>…<|end|>. */
const TOKENS_PER_MESSAGE = 3;
/** Every reply is primed with <|start|>assistant<|message|>. */
const TOKENS_PER_REPLY = 3;

/**
 * The tokenizer's merging is quadratic in the length of a run without whitespace: 40,000 Chinese
 * characters took 5.5 s and a 200,000-character message froze the server's event loop for
 * minutes (found by tests/integration/hostile-input.test.ts). So text is counted in pieces of at
 * most this many characters, cut where a word begins after whitespace (the tokenizer splits there
 * anyway, so prose and code count almost exactly as a whole does) and hard-cut inside longer runs,
 * where a cut may move a token per piece.
 */
const MAX_PIECE_CHARS = 256;

function isWhitespace(unit: number): boolean {
	return unit === 0x20 || unit === 0x0a || unit === 0x09 || unit === 0x0d;
}

export function countTextTokens(text: string): number {
	if (text === '') return 0;
	if (text.length <= MAX_PIECE_CHARS) return countTokens(text, PLAIN_TEXT);
	let total = 0;
	let start = 0;
	while (start < text.length) {
		let end = Math.min(start + MAX_PIECE_CHARS, text.length);
		if (end < text.length) {
			// Where a word follows whitespace; a space or tab before it is the word's own first character.
			let cut = end;
			while (cut > start + 1 && !(isWhitespace(text.charCodeAt(cut - 1)) && !isWhitespace(text.charCodeAt(cut)))) cut--;
			if (cut > start + 1 && (text.charCodeAt(cut - 1) === 0x20 || text.charCodeAt(cut - 1) === 0x09)) cut--;
			if (cut > start + 1) end = cut;
			// Never between the halves of a surrogate pair (an emoji).
			else if (text.charCodeAt(end - 1) >= 0xd800 && text.charCodeAt(end - 1) <= 0xdbff) end--;
		}
		total += countTokens(text.slice(start, end), PLAIN_TEXT);
		start = end;
	}
	return total;
}

export function countMessageTokens(message: ChatMessage): number {
	return TOKENS_PER_MESSAGE + countTextTokens(message.role) + countTextTokens(message.content);
}

/** Prompt tokens of a chat request, counted the way OpenAI bills them. */
export function countChatTokens(messages: readonly ChatMessage[]): number {
	let total = TOKENS_PER_REPLY;
	for (const message of messages) total += countMessageTokens(message);
	return total;
}

export interface TrimOptions {
	/** The model's context window (model_configurations.context_window). */
	contextWindow: number;
	/** Tokens kept free for the answer (usually the model's max_tokens). */
	reserveForOutput: number;
	/** Keep every system message whatever its age (default true). */
	keepSystem?: boolean;
}

export interface TrimmedHistory {
	messages: ChatMessage[];
	/** Prompt tokens of `messages`, as countChatTokens counts them. */
	promptTokens: number;
	/** How many older messages were left out. */
	droppedCount: number;
}

/**
 * Keeps the system prompt and the newest messages that fit in the context window with room for
 * the answer. The kept history is a contiguous run of the newest messages, in their original
 * order: skipping a long message in the middle would leave the model a conversation with a hole.
 * Throws ProviderError('bad_request') when even the newest message cannot fit, since sending it
 * would only earn the same error from the model server.
 */
export function trimHistoryToContextWindow(messages: readonly ChatMessage[], options: TrimOptions): TrimmedHistory {
	const keepSystem = options.keepSystem ?? true;
	const budget = options.contextWindow - options.reserveForOutput;
	const isPinned = (message: ChatMessage) => keepSystem && message.role === 'system';

	let used = TOKENS_PER_REPLY;
	for (const message of messages) if (isPinned(message)) used += countMessageTokens(message);

	const kept = new Set<number>();
	for (let index = messages.length - 1; index >= 0; index--) {
		const message = messages[index];
		if (message === undefined || isPinned(message)) continue;
		const cost = countMessageTokens(message);
		if (used + cost > budget) break;
		used += cost;
		kept.add(index);
	}

	const conversationCount = messages.filter((message) => !isPinned(message)).length;
	if (conversationCount > 0 && kept.size === 0) {
		throw new ProviderError(
			'bad_request',
			`The message is too long for this model: it needs more than the ${budget} tokens of context left for it. Shorten it or pick a model with a larger context window.`,
			{ retryable: false }
		);
	}

	return {
		messages: messages.filter((message, index) => isPinned(message) || kept.has(index)),
		promptTokens: used,
		droppedCount: conversationCount - kept.size
	};
}

import { ProviderError, type ChatProvider, type ChatRequest, type ChatStreamEvent, type Passage } from './provider';
import { abortedError } from './retry';
import { countChatTokens, countTextTokens } from './token-count';

export type { Passage };

export type RetrievePassages = (query: string, signal?: AbortSignal) => Promise<Passage[]>;

export interface OfflineChatProviderOptions {
	/** Knowledge base search; without it every answer explains how to configure a model. */
	retrieve?: RetrievePassages;
	isOfflineFallback?: boolean;
	/** Most passages quoted in one answer. */
	maxPassages?: number;
	/** Pause between chunks; 0 still yields to the event loop so a stop click is seen. */
	chunkDelayMs?: number;
}

const MAX_QUOTE_LENGTH = 400;

/**
 * The assistant that works with no model at all: it answers with quotes from the knowledge base,
 * cited, or says plainly that no language model is configured and how to configure one. It
 * streams like a model, so the chat UI has a single code path.
 */
export class OfflineChatProvider implements ChatProvider {
	readonly name = 'offline';
	readonly isOfflineFallback: boolean;
	private readonly retrieve: RetrievePassages | undefined;
	private readonly maxPassages: number;
	private readonly chunkDelayMs: number;

	constructor(options: OfflineChatProviderOptions = {}) {
		this.retrieve = options.retrieve;
		this.isOfflineFallback = options.isOfflineFallback ?? false;
		this.maxPassages = options.maxPassages ?? 3;
		this.chunkDelayMs = options.chunkDelayMs ?? 0;
	}

	async *streamChat(request: ChatRequest): AsyncGenerator<ChatStreamEvent> {
		const question = [...request.messages].reverse().find((message) => message.role === 'user')?.content ?? '';
		const passages = await this.relevantPassages(question, request.passages, request.signal);
		const answer = passages.length > 0 ? quoteAnswer(passages) : this.noModelAnswer();

		let delivered = '';
		for (const chunk of answer.match(/\s*\S+\s*/g) ?? []) {
			await pause(this.chunkDelayMs);
			if (request.signal?.aborted) throw abortedError(delivered !== '');
			delivered += chunk;
			yield { type: 'delta', text: chunk };
		}
		yield {
			type: 'done',
			finishReason: 'stop',
			usage: {
				promptTokens: countChatTokens(request.messages),
				completionTokens: countTextTokens(answer),
				source: 'counted'
			}
		};
	}

	/**
	 * A vector search always returns its nearest passages, related or not; keeping only those that
	 * share a content word with the question avoids quoting something beside the point.
	 */
	private async relevantPassages(question: string, given: readonly Passage[] | undefined, signal: AbortSignal | undefined): Promise<Passage[]> {
		const terms = contentWords(question);
		if ((!given && !this.retrieve) || terms.size === 0) return [];
		let found: readonly Passage[];
		try {
			found = given ?? (this.retrieve ? await this.retrieve(question, signal) : []);
		} catch (cause) {
			if (signal?.aborted) throw abortedError();
			throw new ProviderError('unavailable', 'The knowledge base could not be searched. Try again shortly.', { cause });
		}
		return found
			.map((passage, rank) => ({ passage, rank, score: overlap(terms, `${passage.title} ${passage.content}`) }))
			.filter(({ score }) => score > 0)
			.sort((a, b) => b.score - a.score || a.rank - b.rank)
			.slice(0, this.maxPassages)
			.map(({ passage }) => passage);
	}

	private noModelAnswer(): string {
		const opening = this.isOfflineFallback
			? "No language model is configured, so I can only answer from the knowledge base, and I found nothing in it about that."
			: 'This is the offline assistant: it answers only from the knowledge base, and found nothing in it about that.';
		return [
			opening,
			'',
			'To get written answers from a language model, whoever runs this server can restart it with:',
			'- `OPENAI_API_KEY` set, to use OpenAI models, or',
			'- `OPENAI_BASE_URL` set to an OpenAI-compatible server such as Ollama (`http://127.0.0.1:11434/v1`), vLLM or LM Studio.'
		].join('\n');
	}
}

function quoteAnswer(passages: Passage[]): string {
	// Numbered as the answer's sources are, so [n] points at the same passage in the UI's list.
	const numberOf = (passage: Passage, index: number) => passage.number ?? index + 1;
	const quotes = passages.map((passage, index) => `${blockquote(excerpt(passage.content))} [${numberOf(passage, index)}]`);
	const sources = passages.map((passage, index) => `[${numberOf(passage, index)}] ${passage.title}${passage.source ? ` — ${passage.source}` : ''}`);
	return [
		'Offline mode: no language model wrote this answer. Here is what the knowledge base says:',
		'',
		quotes.join('\n\n'),
		'',
		'Sources:',
		...sources
	].join('\n');
}

function blockquote(text: string): string {
	return text
		.split('\n')
		.map((line) => `> ${line}`)
		.join('\n');
}

function excerpt(content: string): string {
	const trimmed = content.trim();
	if (trimmed.length <= MAX_QUOTE_LENGTH) return trimmed;
	const cut = trimmed.slice(0, MAX_QUOTE_LENGTH);
	const lastSpace = cut.lastIndexOf(' ');
	return `${cut.slice(0, lastSpace > 0 ? lastSpace : MAX_QUOTE_LENGTH)}…`;
}

// Words too common to show that a passage is about the question.
const STOP_WORDS = new Set(
	(
		'a an and are as at be but by can could did do does for from had has have how i if in into is it its ' +
		'me my no not of on or our should so than that the their them then there these they this to was we ' +
		'were what when where which who why will with would you your about tell please explain'
	).split(' ')
);

function contentWords(text: string): Set<string> {
	const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
	return new Set(words.filter((word) => word.length > 1 && !STOP_WORDS.has(word)));
}

function overlap(terms: Set<string>, text: string): number {
	let shared = 0;
	for (const word of contentWords(text)) if (terms.has(word)) shared++;
	return shared;
}

function pause(ms: number): Promise<void> {
	return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
}

import type { MessageSource } from '$lib/knowledge/types';
import { AppError } from '../../errors';
import { ProviderError } from '../../ai/provider';
import { countTextTokens } from '../../ai/token-count';
import { buildPrompt, DEFAULT_SYSTEM_PROMPT } from '../prompt';
import type { BuiltPrompt, PreparedAnswer, RetrievedContext, RetrievedPassage } from './types';

/** At most this share of the context window (and this many tokens) goes to sources; the conversation keeps the rest. */
const SOURCES_SHARE = 0.25;
const SOURCES_MAX_TOKENS = 3_000;
const SNIPPET_CHARS = 240;

const GROUNDING_RULES = [
	'Answer from the numbered sources below when they contain the answer, and cite each claim you take from them',
	'with its number in square brackets right after it, like [1] or [2][3]. Cite only source numbers listed below.',
	"If the sources don't answer the question, say so briefly, then answer from general knowledge without citations."
].join(' ');

/**
 * The messages sent upstream and their counted tokens, which the reserve step books before the
 * call. Retrieved passages go into the system message as numbered sources, best first, while they
 * fit the sources budget; the rest are recorded as cut. A question too long for the model's
 * context window is refused here, before anything is saved or spent.
 */
export function buildAnswerPrompt(prepared: PreparedAnswer, context: RetrievedContext): BuiltPrompt {
	const { model, preferences } = prepared;
	const maxOutputTokens = Math.min(preferences.maxTokens, model.maxTokens ?? preferences.maxTokens);
	const budget = Math.min(SOURCES_MAX_TOKENS, Math.floor((model.contextWindow - maxOutputTokens) * SOURCES_SHARE));
	const { block, sources } = numberedSources(context.passages, budget);
	const basePrompt = preferences.systemPrompt?.trim() || DEFAULT_SYSTEM_PROMPT;
	const systemPrompt = block ? `${basePrompt}\n\n${GROUNDING_RULES}\n\n${block}` : basePrompt;
	try {
		const prompt = buildPrompt(prepared.history, { systemPrompt, contextWindow: model.contextWindow, reserveForOutput: maxOutputTokens });
		const used = sources.filter((source) => source.used);
		return {
			messages: prompt.messages,
			promptTokens: prompt.promptTokens,
			maxOutputTokens,
			passages: used.map((source) => {
				const passage = context.passages.find((candidate) => candidate.chunkId === source.chunkId);
				return { title: source.title, content: passage?.content ?? source.snippet, source: source.source ?? undefined, number: source.number ?? undefined };
			}),
			sources
		};
	} catch (error) {
		if (error instanceof ProviderError && error.kind === 'bad_request') throw new AppError('BAD_REQUEST', error.message, { field: 'content', cause: error });
		throw error;
	}
}

export function numberedSources(passages: readonly RetrievedPassage[], budgetTokens: number): { block: string; sources: MessageSource[] } {
	const lines: string[] = [];
	const sources: MessageSource[] = [];
	let spent = 0;
	for (const passage of passages) {
		// A Markdown document's first heading is usually its title: named once.
		const headings = passage.headingPath[0] === passage.title ? passage.headingPath.slice(1) : passage.headingPath;
		const where = [passage.title, ...headings].join(' › ') + (passage.page ? ` (page ${passage.page})` : '');
		const entry = `[${lines.length + 1}] ${where}\n${passage.content.trim()}`;
		const tokens = countTextTokens(entry) + 2;
		const fits = spent + tokens <= budgetTokens;
		if (fits) {
			spent += tokens;
			lines.push(entry);
		}
		sources.push({
			number: fits ? lines.length : null,
			chunkId: passage.chunkId,
			documentId: passage.documentId,
			title: passage.title,
			source: passage.source,
			category: passage.category,
			headingPath: passage.headingPath,
			page: passage.page,
			snippet: snippetOf(passage.content),
			score: passage.score,
			textScore: passage.textScore,
			similarity: passage.similarity,
			used: fits
		});
	}
	return { block: lines.length > 0 ? `Sources:\n\n${lines.join('\n\n')}` : '', sources };
}

function snippetOf(content: string): string {
	const text = content.replace(/\s+/g, ' ').trim();
	if (text.length <= SNIPPET_CHARS) return text;
	const cut = text.slice(0, SNIPPET_CHARS);
	const space = cut.lastIndexOf(' ');
	return `${cut.slice(0, space > SNIPPET_CHARS / 2 ? space : SNIPPET_CHARS)}…`;
}

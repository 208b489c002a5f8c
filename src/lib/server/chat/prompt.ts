import type { ChatMessage } from '../ai/provider';
import { trimHistoryToContextWindow } from '../ai/token-count';
import type { PromptTurn } from './thread.repo';

export const DEFAULT_SYSTEM_PROMPT =
	'You are AirAssist, a helpful, accurate assistant. Answer clearly; use Markdown (lists, tables, fenced code blocks with a language) when it helps. ' +
	'If you are not sure, say so.';

/**
 * The messages sent upstream for an answer to the last message of `thread`: the system prompt,
 * then as much recent history as fits the model's context window (by real token counts), keeping
 * room for the answer. Failed answers are left out; stopped ones are kept, they were shown.
 */
export function buildPrompt(
	thread: readonly PromptTurn[],
	options: { systemPrompt: string | null; contextWindow: number; reserveForOutput: number }
): { messages: ChatMessage[]; promptTokens: number; droppedCount: number } {
	const history: ChatMessage[] = thread
		.filter((message) => message.role !== 'system')
		.filter((message) => message.role === 'user' || (message.status !== 'error' && message.content.trim() !== ''))
		.map((message) => ({ role: message.role, content: message.content }));
	return trimHistoryToContextWindow([{ role: 'system', content: options.systemPrompt?.trim() || DEFAULT_SYSTEM_PROMPT }, ...history], {
		contextWindow: options.contextWindow,
		reserveForOutput: options.reserveForOutput,
		keepSystem: true
	});
}

/** A first title from the opening message, used at once and kept when no model can do better. */
export function fallbackTitle(content: string): string {
	const line = content.replace(/\s+/g, ' ').trim();
	if (line.length <= 60) return line || 'New chat';
	const cut = line.slice(0, 60);
	const atWord = cut.lastIndexOf(' ');
	return `${(atWord > 30 ? cut.slice(0, atWord) : cut).replace(/[\s,.;:!?-]+$/, '')}…`;
}

/** Model output for a title, cleaned: one line, no quotes or trailing period, at most 80 characters. */
export function cleanTitle(raw: string): string | null {
	const title = raw
		.replace(/^\s*(title:)?\s*/i, '')
		.split('\n')[0]
		?.replace(/^["'“”«»`*#\s]+|["'“”«»`*\s.]+$/g, '')
		.trim();
	if (!title) return null;
	return title.length > 80 ? `${title.slice(0, 79)}…` : title;
}

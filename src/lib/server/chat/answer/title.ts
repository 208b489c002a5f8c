import { chatRequestFor } from '../../ai/provider-registry';
import type { ChatProvider, TokenUsage } from '../../ai/provider';
import { countChatTokens, countTextTokens } from '../../ai/token-count';
import { AppError } from '../../errors';
import { governedCall } from '../../usage/governed-call';
import { replaceAutomaticTitle } from '../message.repo';
import { cleanTitle } from '../prompt';
import type { ChatDeps, PreparedAnswer } from './types';

const TITLE_MAX_TOKENS = 24;

/**
 * Asks the model for a short title after the first exchange, as a governed call of its own (it
 * costs tokens, but isn't one of the user's messages). The title from the first message stays if
 * this fails or the quota has nothing left.
 */
export async function generateTitle(deps: ChatDeps, prepared: PreparedAnswer, provider: ChatProvider): Promise<void> {
	const question = prepared.question.content?.slice(0, 2000) ?? '';
	const messages = [
		{ role: 'system' as const, content: 'Write a title of at most six words for a conversation that starts with the user message below. Reply with the title only, no quotes.' },
		{ role: 'user' as const, content: question }
	];
	try {
		await governedCall(
			deps,
			{
				userId: prepared.userId,
				endpoint: 'chat.title',
				provider: provider.name,
				model: prepared.model,
				promptTokens: countChatTokens(messages),
				maxOutputTokens: TITLE_MAX_TOKENS,
				minOutputTokens: TITLE_MAX_TOKENS,
				countsAsRequest: false,
				sessionId: prepared.sessionId
			},
			async (grant) => {
				let raw = '';
				let usage: TokenUsage | null = null;
				const request = { ...chatRequestFor(prepared.model, messages), maxTokens: grant.maxOutputTokens, temperature: prepared.model.temperature === null ? undefined : 0.3 };
				for await (const event of provider.streamChat(request)) {
					if (event.type === 'delta') raw += event.text;
					else usage = event.usage;
				}
				return { value: cleanTitle(raw), usage: usage ?? { promptTokens: countChatTokens(messages), completionTokens: countTextTokens(raw) } };
			},
			{
				onSettle: async (tx, title) => {
					if (title) await replaceAutomaticTitle(tx, prepared.sessionId, title);
				}
			}
		);
	} catch (error) {
		if (error instanceof AppError && error.code === 'TOO_MANY_REQUESTS') return; // no budget for a nicer title
		deps.services.logger.warn({ err: error, sessionId: prepared.sessionId }, 'title generation failed');
	}
}

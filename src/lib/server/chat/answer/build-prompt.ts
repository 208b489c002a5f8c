import { AppError } from '../../errors';
import { ProviderError } from '../../ai/provider';
import { buildPrompt } from '../prompt';
import type { BuiltPrompt, PreparedAnswer, RetrievedContext } from './types';

/**
 * The messages sent upstream and their counted tokens, which the reserve step books before the
 * call. A question too long for the model's context window is refused here, before anything is
 * saved or spent.
 */
export function buildAnswerPrompt(prepared: PreparedAnswer, context: RetrievedContext): BuiltPrompt {
	const { model, preferences } = prepared;
	const maxOutputTokens = Math.min(preferences.maxTokens, model.maxTokens ?? preferences.maxTokens);
	try {
		const prompt = buildPrompt(prepared.history, { systemPrompt: preferences.systemPrompt, contextWindow: model.contextWindow, reserveForOutput: maxOutputTokens });
		return { messages: prompt.messages, promptTokens: prompt.promptTokens, maxOutputTokens, passages: context.passages };
	} catch (error) {
		if (error instanceof ProviderError && error.kind === 'bad_request') throw new AppError('BAD_REQUEST', error.message, { field: 'content', cause: error });
		throw error;
	}
}

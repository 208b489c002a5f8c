import { rebookCall, releaseCall, reserveCall, type Reservation } from '../../usage/governed-call';
import type { BuiltPrompt, ChatDeps, PreparedAnswer } from './types';

/**
 * Books the answer's worst case (prompt + most output tokens, at the model's prices) against the
 * user's quota, committed before the upstream call starts; refuses with TOO_MANY_REQUESTS.
 */
export function reserveAnswer(deps: ChatDeps, prepared: PreparedAnswer, prompt: BuiltPrompt): Promise<Reservation> {
	return reserveCall(deps, {
		userId: prepared.userId,
		endpoint: 'chat',
		provider: prepared.providerName,
		model: prepared.model,
		promptTokens: prompt.promptTokens,
		maxOutputTokens: prompt.maxOutputTokens,
		countsAsRequest: true,
		sessionId: prepared.sessionId,
		messageId: prepared.answerId
	});
}

/** Moves the answer's booking to the prompt as sent (its knowledge base sources added); refuses as reserveAnswer does. */
export function rebookAnswer(deps: ChatDeps, booked: Reservation, prompt: BuiltPrompt): Promise<Reservation> {
	return rebookCall(deps, booked, { promptTokens: prompt.promptTokens, maxOutputTokens: prompt.maxOutputTokens });
}

/** Gives back a booking whose answer never started (its retrieval failed). */
export function releaseAnswer(deps: ChatDeps, booked: Reservation): Promise<boolean> {
	return releaseCall(deps, booked);
}

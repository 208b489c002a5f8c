import { unsavedMessage } from '$lib/chat/message';
import type { MessageStatus, ThreadMessage } from '$lib/chat/types';
import type { FinishReason, TokenUsage } from '../../ai/provider';
import { asUser } from '../../db';
import { errorMessage } from '../../errors';
import { settleCall } from '../../usage/governed-call';
import { saveFinalAnswer } from '../message.repo';
import type { LiveGeneration } from '../stream-hub';
import { loadMessage } from '../thread.repo';
import type { AnswerJob, ChatDeps } from './types';

export interface AnswerOutcome {
	status: Extract<MessageStatus, 'complete' | 'stopped' | 'error'>;
	finishReason: FinishReason | 'stopped' | 'error' | null;
	usage: TokenUsage;
	error: string | null;
	timing: { firstTokenMs: number | null; totalMs: number };
	/** Provider that answered, for the message's metadata. */
	providerName: string;
}

const LOG_STATUS = { complete: 'success', stopped: 'cancelled', error: 'error' } as const;

/**
 * One transaction: the final answer, the reservation settled to the real usage, and its usage log
 * row (with the daily rollup). If the chat was deleted mid-answer, listeners still get the text.
 */
export async function finishAnswer(deps: ChatDeps, job: AnswerJob, live: LiveGeneration, outcome: AnswerOutcome): Promise<ThreadMessage> {
	const { prepared } = job;
	const metadata = {
		provider: outcome.providerName,
		offline: prepared.offline,
		usageSource: outcome.usage.source,
		...(outcome.error ? { error: outcome.error } : {}),
		...(job.prompt.sources.length > 0 ? { sources: job.prompt.sources } : {}),
		...(live.stopReason && live.stopReason !== 'user' ? { stopReason: live.stopReason } : {})
	};
	const callOutcome = {
		status: LOG_STATUS[outcome.status],
		usage: outcome.usage,
		latencyMs: outcome.timing.totalMs,
		timeToFirstTokenMs: outcome.timing.firstTokenMs,
		errorMessage: outcome.error
	};
	try {
		return await asUser(deps.db, prepared.userId, async (tx) => {
			const cost = await settleCall(deps, tx, job.reservation, callOutcome);
			await saveFinalAnswer(tx, prepared.answerId, {
				content: live.content,
				status: outcome.status,
				finishReason: outcome.finishReason,
				promptTokens: outcome.usage.promptTokens,
				completionTokens: outcome.usage.completionTokens,
				costUsd: cost,
				timeToFirstTokenMs: outcome.timing.firstTokenMs,
				responseTimeMs: outcome.timing.totalMs,
				metadata
			});
			const saved = await loadMessage(tx, prepared.answerId);
			if (!saved) throw new Error('the answer disappeared while it was being saved');
			return saved;
		});
	} catch (error) {
		deps.services.logger.warn({ err: error, messageId: prepared.answerId }, 'could not save the final answer');
		// The usage still happened: settle it without the message.
		await settleOnly(deps, job, callOutcome);
		return unsavedAnswer(job, live, `The answer could not be saved: ${errorMessage(error)}`, outcome.timing);
	}
}

/** Settles the reservation when the answer itself can't be saved (the send failed, the chat is gone). */
export async function settleOnly(deps: ChatDeps, job: AnswerJob, outcome: Parameters<typeof settleCall>[3]): Promise<void> {
	await asUser(deps.db, job.prepared.userId, (tx) => settleCall(deps, tx, job.reservation, outcome)).catch((error: unknown) =>
		deps.services.logger.warn({ err: error, messageId: job.prepared.answerId }, 'could not settle the answer’s reservation')
	);
}

/** What listeners get when the answer couldn't be stored: the text so far, marked as an error. */
export function unsavedAnswer(job: AnswerJob, live: LiveGeneration, reason: string, timing: { firstTokenMs: number | null; totalMs: number }): ThreadMessage {
	return unsavedMessage({
		id: job.prepared.answerId,
		sessionId: job.prepared.sessionId,
		parentId: job.prepared.question.id,
		role: 'assistant',
		content: live.content,
		status: 'error',
		model: job.prepared.model.modelName,
		timeToFirstTokenMs: timing.firstTokenMs,
		responseTimeMs: timing.totalMs,
		finishReason: 'error',
		error: reason
	});
}

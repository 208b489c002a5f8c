import { countTextTokens } from '../../ai/token-count';
import { chatRequestFor } from '../../ai/provider-registry';
import { ProviderError, type ChatProvider, type FinishReason, type TokenUsage } from '../../ai/provider';
import { asUser } from '../../db';
import { keepReservationAlive } from '../../usage/governed-call';
import { recordStopped } from '../chat-events';
import { savePartialAnswer } from '../message.repo';
import { LiveGeneration, liveGenerations } from '../stream-hub';
import { finishAnswer, settleOnly, unsavedAnswer, type AnswerOutcome } from './finish';
import { generateTitle } from './title';
import type { AnswerJob, ChatDeps } from './types';

/** Partial answers are saved at most this often, so a reload (or another process) sees progress. */
const FLUSH_INTERVAL_MS = 1_000;
/** Even with no tokens arriving, an in-flight answer proves it is alive this often (see 006). */
const HEARTBEAT_INTERVAL_MS = 10_000;
/** The reservation is extended this often while the answer streams (it expires after 120 s). */
const RESERVATION_KEEPALIVE_MS = 30_000;
const ABANDON_AFTER_MS = 30_000;

/** Background work (answers and their titles) still running in this process. */
const inFlight = new Set<Promise<void>>();

/**
 * The generate step: starts answering in the background and returns at once. Nothing here holds
 * a database transaction across the upstream call: each save is its own short transaction (the
 * embedded engine serialises them, so a long one would stall every other request).
 */
export function startGeneration(deps: ChatDeps, job: AnswerJob): LiveGeneration {
	const live = new LiveGeneration(job.prepared.answerId, job.prepared.userId, ABANDON_AFTER_MS);
	liveGenerations.register(live);
	const work = generate(deps, job, live)
		.catch((error: unknown) => deps.services.logger.error({ err: error, messageId: job.prepared.answerId }, 'generation crashed'))
		.finally(() => inFlight.delete(work));
	inFlight.add(work);
	return live;
}

/**
 * On shutdown: answers still being written are stopped and saved with what they have, so a
 * restart leaves none 'streaming'. Waits at most `timeoutMs`.
 */
export async function stopAllGenerations(timeoutMs: number): Promise<void> {
	for (const id of liveGenerations.ids()) liveGenerations.get(id)?.stop('superseded');
	await Promise.race([whenGenerationsSettled(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref?.())]);
}

/** Resolves when every answer started so far, and its title, is finished (shutdown, tests). */
export async function whenGenerationsSettled(): Promise<void> {
	while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

function counted(promptTokens: number, content: string): TokenUsage {
	return { promptTokens, completionTokens: content ? countTextTokens(content) : 0, source: 'counted' };
}

async function generate(deps: ChatDeps, job: AnswerJob, live: LiveGeneration): Promise<void> {
	const { prepared, prompt, reservation } = job;
	const started = performance.now();
	let firstTokenMs: number | null = null;
	let provider: ChatProvider | null = null;
	let lastKeepAlive = started;

	let flushTimer: ReturnType<typeof setTimeout> | null = null;
	let flushing: Promise<void> = Promise.resolve();
	let savedLength = -1;
	const flush = () => {
		flushTimer = null;
		flushing = flushing
			.then(async () => {
				await job.committed;
				if (performance.now() - lastKeepAlive >= RESERVATION_KEEPALIVE_MS) {
					lastKeepAlive = performance.now();
					await keepReservationAlive(deps, reservation);
				}
				if (live.content.length === savedLength && live.status !== 'streaming') return;
				savedLength = live.content.length;
				const count = await asUser(deps.db, prepared.userId, (tx) => savePartialAnswer(tx, prepared.answerId, live.content));
				// Stopped from another process (it marked the row): end this upstream call too.
				if (count === 0) live.stop('user');
			})
			.catch((error: unknown) => deps.services.logger.warn({ err: error, messageId: prepared.answerId }, 'could not save partial answer'));
	};
	const scheduleFlush = () => {
		flushTimer ??= setTimeout(flush, FLUSH_INTERVAL_MS);
	};
	const heartbeat = setInterval(flush, HEARTBEAT_INTERVAL_MS);
	heartbeat.unref?.();
	// The exchange was never saved (the send failed): stop the model, save nothing.
	const saved = job.committed.then(
		() => true,
		() => false
	);
	void saved.then((ok) => {
		if (!ok) live.stop('superseded');
	});

	let outcome: Omit<AnswerOutcome, 'timing' | 'providerName'>;
	try {
		provider = deps.services.providers.chat(prepared.model);
		const request = {
			...chatRequestFor(prepared.model, prompt.messages, live.controller.signal),
			// The user's preferences win, within the model's limits; a model configured without a
			// temperature (gpt-5 family) only accepts its default, so none is sent.
			temperature: prepared.model.temperature === null ? undefined : prepared.preferences.temperature,
			// The quota reserved this many output tokens, and no more.
			maxTokens: reservation.grantedOutputTokens,
			passages: prompt.passages
		};
		let done: { finishReason: FinishReason; usage: TokenUsage } | null = null;
		for await (const event of provider.streamChat(request)) {
			if (event.type === 'delta') {
				firstTokenMs ??= Math.round(performance.now() - started);
				live.publish({ type: 'delta', text: event.text });
				scheduleFlush();
			} else {
				done = { finishReason: event.finishReason, usage: event.usage };
			}
		}
		outcome = { status: 'complete', finishReason: done?.finishReason ?? 'stop', usage: done?.usage ?? counted(prompt.promptTokens, live.content), error: null };
	} catch (error) {
		const usage = error instanceof ProviderError && error.usage ? error.usage : counted(prompt.promptTokens, live.content);
		if (live.controller.signal.aborted) {
			outcome = { status: 'stopped', finishReason: 'stopped', usage, error: null };
		} else {
			if (!(error instanceof ProviderError)) deps.services.logger.error({ err: error, messageId: prepared.answerId }, 'answer failed unexpectedly');
			const reason = error instanceof ProviderError ? error.message : 'The answer failed because of an error on our side. Try again.';
			outcome = { status: 'error', finishReason: 'error', usage, error: reason };
		}
	} finally {
		clearInterval(heartbeat);
		if (flushTimer) clearTimeout(flushTimer);
	}
	await flushing;
	const timing = { firstTokenMs, totalMs: Math.round(performance.now() - started) };
	const providerName = provider?.name ?? prepared.providerName;
	if (!(await saved)) {
		await settleOnly(deps, job, { status: 'cancelled', usage: outcome.usage, latencyMs: timing.totalMs, timeToFirstTokenMs: firstTokenMs, errorMessage: 'the message could not be saved' });
		live.publish({ type: 'done', message: unsavedAnswer(job, live, 'The message could not be saved, so it was not answered.', { firstTokenMs, totalMs: 0 }) });
		return;
	}

	const final = await finishAnswer(deps, job, live, { ...outcome, timing, providerName });
	if (outcome.status === 'stopped') recordStopped(deps.db, prepared, live.stopReason ?? 'user', outcome.usage.completionTokens);
	live.publish({ type: 'done', message: final });
	if (prepared.generateTitle && outcome.status === 'complete' && provider && provider.name !== 'offline') {
		await generateTitle(deps, prepared, provider);
	}
}

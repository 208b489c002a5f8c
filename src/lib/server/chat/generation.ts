import { unsavedMessage } from '$lib/chat/message';
import type { MessageStatus, ThreadMessage } from '$lib/chat/types';
import { costUsd } from '../ai/pricing';
import { ProviderError, type ChatProvider, type FinishReason, type TokenUsage } from '../ai/provider';
import { chatRequestFor, providerFor, type ProviderOptions } from '../ai/provider-registry';
import { countChatTokens, countTextTokens } from '../ai/token-count';
import { asUser, type Database } from '../db';
import type { ModelConfiguration } from '../db/generated/client';
import { env } from '../env';
import { errorMessage } from '../errors';
import { searchKnowledgeText } from '../knowledge/knowledge-text.repo';
import { logger } from '../logging/logger';
import { buildPrompt, cleanTitle } from './prompt';
import { LiveGeneration, liveGenerations } from './stream-hub';
import { loadMessage, loadPromptHistory, loadThread, type PromptTurn } from './thread.repo';

/**
 * Partial text is saved at most this often while streaming. Subscribers in this process read it
 * from memory; only another app process (or a restart) reads the saved text, so once a second is
 * plenty — and keeps a hundred simultaneous answers from queueing writes on the embedded engine.
 */
const FLUSH_INTERVAL_MS = 1_000;
/** Even with no tokens arriving, an in-flight answer proves it is alive this often (see 006). */
const HEARTBEAT_INTERVAL_MS = 10_000;
const ABANDON_AFTER_MS = 30_000;

export interface GenerationJob {
	db: Database;
	userId: string;
	sessionId: string;
	/** The user message being answered (the last message of the thread sent upstream). */
	userMessageId: string;
	assistantMessageId: string;
	model: ModelConfiguration;
	preferences: { systemPrompt: string | null; temperature: number; maxTokens: number };
	/** The conversation up to the question, if the caller already read it (else it is loaded here). */
	history?: PromptTurn[];
	/**
	 * Resolves when the rows of this exchange are committed. The upstream call may start earlier;
	 * every database write waits for it, and a rejection abandons the answer.
	 */
	committed?: Promise<void>;
	/** Ask the model for a title once this first answer is complete. */
	generateTitle: boolean;
	/** Tests shorten timeouts and the offline assistant's pacing here. */
	providerOptions?: ProviderOptions;
}

interface Outcome {
	status: Extract<MessageStatus, 'complete' | 'stopped' | 'error'>;
	finishReason: FinishReason | 'stopped' | 'error' | null;
	usage: TokenUsage;
	error: string | null;
}

/**
 * Starts answering in the background and returns at once. Nothing here holds a database
 * transaction across the upstream call: each save is its own short transaction (the embedded
 * engine serialises them, so a long one would stall every other request).
 */
export function startGeneration(job: GenerationJob): LiveGeneration {
	const live = new LiveGeneration(job.assistantMessageId, job.userId, ABANDON_AFTER_MS);
	liveGenerations.register(live);
	const work = generate(job, live)
		.catch((error: unknown) => {
			logger.error({ err: error, messageId: job.assistantMessageId }, 'generation crashed');
		})
		.finally(() => inFlight.delete(work));
	inFlight.add(work);
	return live;
}

/** Background work (answers and their titles) still running in this process. */
const inFlight = new Set<Promise<void>>();

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

function providerOf(job: GenerationJob): ChatProvider {
	return providerFor(job.model, env(), {
		// The offline assistant answers from the knowledge base the user can see.
		retrieve: async (query) =>
			(await asUser(job.db, job.userId, (tx) => searchKnowledgeText(tx, query, 5))).map((match) => ({
				title: match.title,
				content: match.content,
				source: match.source ?? undefined
			})),
		...job.providerOptions
	});
}

async function generate(job: GenerationJob, live: LiveGeneration): Promise<void> {
	const started = performance.now();
	let firstTokenMs: number | null = null;
	let provider: ChatProvider | null = null;
	let promptTokens = 0;
	let outcome: Outcome;

	let flushTimer: ReturnType<typeof setTimeout> | null = null;
	let flushing: Promise<void> = Promise.resolve();
	let savedLength = -1;
	const flush = () => {
		flushTimer = null;
		flushing = flushing.then(async () => {
			await job.committed;
			if (live.content.length === savedLength && live.status !== 'streaming') return;
			savedLength = live.content.length;
			const { count } = await asUser(job.db, job.userId, (tx) =>
				tx.message.updateMany({ where: { id: job.assistantMessageId, status: { in: ['pending', 'streaming'] } }, data: { content: live.content, status: 'streaming' } })
			);
			// Stopped from another process (it marked the row): end this upstream call too.
			if (count === 0) live.stop('user');
		}).catch((error: unknown) => logger.warn({ err: error, messageId: job.assistantMessageId }, 'could not save partial answer'));
	};
	const scheduleFlush = () => {
		flushTimer ??= setTimeout(flush, FLUSH_INTERVAL_MS);
	};
	const heartbeat = setInterval(flush, HEARTBEAT_INTERVAL_MS);
	heartbeat.unref?.();
	// The exchange was never saved (the send failed): stop the model, save nothing.
	const saved = job.committed ? job.committed.then(() => true, () => false) : Promise.resolve(true);
	void saved.then((ok) => {
		if (!ok) live.stop('superseded');
	});

	try {
		provider = providerOf(job);
		const thread = job.history ?? (await asUser(job.db, job.userId, (tx) => loadPromptHistory(tx, job.userMessageId)));
		const reserveForOutput = Math.min(job.preferences.maxTokens, job.model.maxTokens ?? job.preferences.maxTokens);
		const prompt = buildPrompt(thread, { systemPrompt: job.preferences.systemPrompt, contextWindow: job.model.contextWindow, reserveForOutput });
		promptTokens = prompt.promptTokens;
		const request = {
			...chatRequestFor(job.model, prompt.messages, live.controller.signal),
			// The user's preferences win, within the model's limits; a model configured without a
			// temperature (gpt-5 family) only accepts its default, so none is sent.
			temperature: job.model.temperature === null ? undefined : job.preferences.temperature,
			maxTokens: reserveForOutput
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
		outcome = {
			status: 'complete',
			finishReason: done?.finishReason ?? 'stop',
			usage: done?.usage ?? counted(promptTokens, live.content),
			error: null
		};
	} catch (error) {
		const usage = error instanceof ProviderError && error.usage ? error.usage : counted(promptTokens, live.content);
		if (live.controller.signal.aborted) {
			outcome = { status: 'stopped', finishReason: 'stopped', usage, error: null };
		} else {
			if (!(error instanceof ProviderError)) logger.error({ err: error, messageId: job.assistantMessageId }, 'answer failed unexpectedly');
			const reason = error instanceof ProviderError ? error.message : 'The answer failed because of an error on our side. Try again.';
			outcome = { status: 'error', finishReason: 'error', usage, error: reason };
		}
	} finally {
		clearInterval(heartbeat);
		if (flushTimer) clearTimeout(flushTimer);
	}
	await flushing;
	if (!(await saved)) {
		live.publish({ type: 'done', message: unsavedAnswer(job, live, 'The message could not be saved, so it was not answered.', { firstTokenMs, totalMs: 0 }) });
		return;
	}

	const final = await saveOutcome(job, live, provider, outcome, { firstTokenMs, totalMs: Math.round(performance.now() - started) });
	live.publish({ type: 'done', message: final });
	if (job.generateTitle && outcome.status === 'complete' && provider && provider.name !== 'offline') {
		await generateTitle(job, provider).catch((error: unknown) => logger.warn({ err: error, sessionId: job.sessionId }, 'title generation failed'));
	}
}

function counted(promptTokens: number, content: string): TokenUsage {
	return { promptTokens, completionTokens: content ? countTextTokens(content) : 0, source: 'counted' };
}

async function saveOutcome(
	job: GenerationJob,
	live: LiveGeneration,
	provider: ChatProvider | null,
	outcome: Outcome,
	timing: { firstTokenMs: number | null; totalMs: number }
): Promise<ThreadMessage> {
	// The offline assistant makes no upstream call, so it costs nothing whatever the model's price.
	const cost = provider && provider.name !== 'offline' ? costUsd(outcome.usage, { inputPricePer1m: job.model.inputPricePer1m, outputPricePer1m: job.model.outputPricePer1m }) : '0';
	const metadata = {
		provider: provider?.name ?? null,
		offline: provider?.name === 'offline',
		usageSource: outcome.usage.source,
		...(outcome.error ? { error: outcome.error } : {}),
		...(live.stopReason && live.stopReason !== 'user' ? { stopReason: live.stopReason } : {})
	};
	try {
		return await asUser(job.db, job.userId, async (tx) => {
			await tx.message.update({
				where: { id: job.assistantMessageId },
				data: {
					content: live.content,
					status: outcome.status,
					finishReason: outcome.finishReason,
					promptTokens: outcome.usage.promptTokens,
					completionTokens: outcome.usage.completionTokens,
					totalTokens: outcome.usage.promptTokens + outcome.usage.completionTokens,
					costUsd: cost,
					timeToFirstTokenMs: timing.firstTokenMs,
					responseTimeMs: timing.totalMs,
					metadata
				}
			});
			await tx.$queryRaw`select public.log_api_usage(
				${job.userId}::uuid, 'chat', ${provider?.name ?? job.model.provider}, ${job.model.modelName},
				${outcome.usage.promptTokens}::int, ${outcome.usage.completionTokens}::int, ${cost}::numeric, ${timing.totalMs}::int,
				${outcome.status === 'complete' ? 'success' : outcome.status === 'stopped' ? 'cancelled' : 'error'}, ${outcome.error},
				${job.sessionId}::uuid, ${job.assistantMessageId}::uuid, ${timing.firstTokenMs}::int)`;
			const saved = await loadMessage(tx, job.assistantMessageId);
			if (!saved) throw new Error('the answer disappeared while it was being saved');
			return saved;
		});
	} catch (error) {
		// The chat may have been deleted mid-answer; report what we have to any listener.
		logger.warn({ err: error, messageId: job.assistantMessageId }, 'could not save the final answer');
		return unsavedAnswer(job, live, `The answer could not be saved: ${errorMessage(error)}`, timing);
	}
}

/** What listeners get when the answer couldn't be stored: the text so far, marked as an error. */
function unsavedAnswer(job: GenerationJob, live: LiveGeneration, reason: string, timing: { firstTokenMs: number | null; totalMs: number }): ThreadMessage {
	return unsavedMessage({
		id: job.assistantMessageId,
		sessionId: job.sessionId,
		parentId: job.userMessageId,
		role: 'assistant',
		content: live.content,
		status: 'error',
		model: job.model.modelName,
		timeToFirstTokenMs: timing.firstTokenMs,
		responseTimeMs: timing.totalMs,
		finishReason: 'error',
		error: reason
	});
}

/** Asks the model for a short title after the first exchange; the title from the first message stays if this fails. */
async function generateTitle(job: GenerationJob, provider: ChatProvider): Promise<void> {
	const thread = await asUser(job.db, job.userId, (tx) => loadThread(tx, job.sessionId, job.assistantMessageId));
	const question = thread.find((message) => message.role === 'user')?.content.slice(0, 2000) ?? '';
	const messages = [
		{ role: 'system' as const, content: 'Write a title of at most six words for a conversation that starts with the user message below. Reply with the title only, no quotes.' },
		{ role: 'user' as const, content: question }
	];
	let raw = '';
	let usage: TokenUsage | null = null;
	for await (const event of provider.streamChat({ ...chatRequestFor(job.model, messages), maxTokens: 24, temperature: job.model.temperature === null ? undefined : 0.3 })) {
		if (event.type === 'delta') raw += event.text;
		else usage = event.usage;
	}
	const title = cleanTitle(raw);
	const spent = usage ?? { promptTokens: countChatTokens(messages), completionTokens: countTextTokens(raw), source: 'counted' as const };
	const cost = costUsd(spent, { inputPricePer1m: job.model.inputPricePer1m, outputPricePer1m: job.model.outputPricePer1m });
	await asUser(job.db, job.userId, async (tx) => {
		// Only replace the automatic title: a chat the user renamed meanwhile keeps its name.
		if (title) await tx.chatSession.updateMany({ where: { id: job.sessionId, metadata: { path: ['autoTitle'], equals: true } }, data: { title } });
		await tx.$queryRaw`select public.log_api_usage(${job.userId}::uuid, 'chat.title', ${provider.name}, ${job.model.modelName},
			${spent.promptTokens}::int, ${spent.completionTokens}::int, ${cost}::numeric, null::int, 'success', null, ${job.sessionId}::uuid, null::uuid, null::int)`;
	});
}

import type { ChatSessionDetail, ChatStreamEvent, SendResult, ThreadMessage } from '$lib/chat/types';
import type { SendMessageInput } from '$lib/schemas/chat';
import { asUser } from '../db';
import { AppError } from '../errors';
import { buildAnswerPrompt } from './answer/build-prompt';
import { startGeneration } from './answer/generate';
import { persistExchange } from './answer/persist';
import { isFinal, prepareRegenerate, prepareSend, requireMessage } from './answer/prepare';
import { rebookAnswer, releaseAnswer, reserveAnswer } from './answer/reserve';
import { startRetrieval } from './answer/retrieve';
import type { ChatDeps, PreparedAnswer } from './answer/types';
import { recordQuestionSent, recordRegenerated } from './chat-events';
import { findSession, markAnswerStopped, setCurrentLeaf } from './message.repo';
import { toSessionDetail } from './session-view';
import { liveGenerations } from './stream-hub';
import { findNewestLeaf, loadMessage, loadThread, newestLeafBelow } from './thread.repo';

export type { ChatDeps } from './answer/types';

function deferred() {
	let resolve: () => void = () => undefined;
	let reject: (reason: unknown) => void = () => undefined;
	const promise = new Promise<void>((onResolve, onReject) => {
		resolve = onResolve;
		reject = onReject;
	});
	promise.catch(() => undefined); // a failed send is reported by its own throw
	return { promise, resolve, reject };
}

/**
 * The answer pipeline after prepare: retrieve (knowledge base on) → build prompt → reserve →
 * generate (the upstream request starts as soon as the reservation is committed) → persist the
 * exchange → the answer streams, and the finish step saves it with its settled usage. Send, edit
 * and regenerate differ only in what prepare read.
 */
async function answer(deps: ChatDeps, prepared: PreparedAnswer) {
	const { prompt, reservation, usedKnowledge, afterStart } = await promptAndReservation(deps, prepared);
	// The model's time to first token overlaps the writes below; the generation makes no database
	// write until `committed` resolves, and is abandoned (its reservation settled) if they fail.
	const committed = deferred();
	startGeneration(deps, { prepared, prompt, reservation, committed: committed.promise });
	afterStart().catch((error: unknown) => deps.services.logger.warn({ err: error, userId: prepared.userId }, 'could not settle the question embedding'));
	try {
		const exchange = await persistExchange(deps, prepared);
		committed.resolve();
		return { exchange, warnings: reservation.warnings, usedKnowledge };
	} catch (error) {
		committed.reject(error);
		throw error;
	}
}

const nothingToSettle = async (): Promise<void> => undefined;

/**
 * The prompt and its booking. When retrieval ends at its keyword step (knowledge base off, or
 * keywords decide the sources) the answer is booked once, as built. When the question must be
 * embedded (a governed call), the answer is booked first with its prompt as it would be without
 * sources, so a send the quota refuses spends nothing: no embedding, no usage row but the
 * refusal's; the sources then move the booking to the prompt as sent. The embedding's usage is
 * logged once the upstream request is on its way (`afterStart`), off the path to the first token.
 */
async function promptAndReservation(deps: ChatDeps, prepared: PreparedAnswer) {
	const step = await startRetrieval(deps, prepared);
	if (step.done) {
		const prompt = buildAnswerPrompt(prepared, step.retrieval.context);
		return { prompt, reservation: await reserveAnswer(deps, prepared, prompt), usedKnowledge: step.retrieval.context.passages.length > 0, afterStart: nothingToSettle };
	}
	const unsourced = buildAnswerPrompt(prepared, { passages: [] });
	const booked = await reserveAnswer(deps, prepared, unsourced);
	let settleEmbedding = nothingToSettle;
	try {
		const retrieval = await step.finish();
		settleEmbedding = retrieval.settleEmbedding;
		const prompt = buildAnswerPrompt(prepared, retrieval.context);
		const resized = prompt.promptTokens !== unsourced.promptTokens || prompt.maxOutputTokens !== unsourced.maxOutputTokens;
		const reservation = resized ? await rebookAnswer(deps, booked, prompt) : booked;
		return { prompt, reservation, usedKnowledge: retrieval.context.passages.length > 0, afterStart: settleEmbedding };
	} catch (error) {
		const warn = (err: unknown) => deps.services.logger.warn({ err, userId: prepared.userId }, 'could not settle a refused or failed grounded answer');
		await settleEmbedding().catch(warn);
		await releaseAnswer(deps, booked).catch(warn);
		throw error;
	}
}

/** A new question in a chat (or a new chat), answered in the background; stream it with streamAnswer. */
export async function sendMessage(deps: ChatDeps, userId: string, input: SendMessageInput, placement?: { parentId: string | null }): Promise<SendResult> {
	const prepared = await prepareSend(deps, userId, input, placement);
	const { exchange, warnings, usedKnowledge } = await answer(deps, prepared);
	if (!exchange.userMessage) throw new Error('a send saved no question');
	recordQuestionSent(deps.db, prepared, usedKnowledge);
	return {
		sessionId: exchange.sessionId,
		userMessage: exchange.userMessage,
		assistantMessage: exchange.assistantMessage,
		offlineMode: prepared.offline,
		quotaWarnings: warnings
	};
}

/** A new version of an answer, as a sibling of `messageId` (same question). */
export async function regenerateAnswer(deps: ChatDeps, userId: string, messageId: string, requestedModel: string | null | undefined) {
	const prepared = await prepareRegenerate(deps, userId, messageId, requestedModel);
	const { exchange, warnings } = await answer(deps, prepared);
	recordRegenerated(deps.db, prepared);
	return { assistantMessage: exchange.assistantMessage, quotaWarnings: warnings };
}

/** Edit and re-ask: a new version of a question (sibling of `messageId`) with a new answer. */
export async function editAndResend(deps: ChatDeps, userId: string, messageId: string, content: string) {
	const original = await asUser(deps.db, userId, (tx) => requireMessage(tx, messageId));
	if (original.role !== 'user') throw new AppError('BAD_REQUEST', 'Only your own messages can be edited.', { field: 'messageId' });
	const result = await sendMessage(deps, userId, { sessionId: original.sessionId, content }, { parentId: original.parentId });
	return { userMessage: result.userMessage, assistantMessage: result.assistantMessage, quotaWarnings: result.quotaWarnings };
}

async function requireSession(tx: Parameters<typeof findSession>[0], sessionId: string) {
	const session = await findSession(tx, sessionId);
	if (!session) throw new AppError('NOT_FOUND', 'That chat does not exist or is not yours.');
	return session;
}

/** The leaf the chat currently shows: the remembered one, or the newest. */
async function currentLeaf(tx: Parameters<typeof findNewestLeaf>[0], session: { id: string; currentLeafId: string | null }): Promise<string | null> {
	return session.currentLeafId ?? (await findNewestLeaf(tx, session.id));
}

/** Shows another version: the chat moves to the newest branch under `messageId`. */
export function switchBranch(deps: ChatDeps, userId: string, messageId: string) {
	return asUser(deps.db, userId, async (tx) => {
		const message = await requireMessage(tx, messageId);
		const leaf = await newestLeafBelow(tx, message.id);
		await setCurrentLeaf(tx, message.sessionId, leaf);
		return { currentLeafId: leaf };
	});
}

/** Stops an answer being written, keeping what was written so far (status 'stopped'). */
export async function stopAnswer(deps: ChatDeps, userId: string, messageId: string): Promise<{ stopped: boolean }> {
	const message = await asUser(deps.db, userId, (tx) => requireMessage(tx, messageId));
	if (message.role !== 'assistant') throw new AppError('BAD_REQUEST', 'Only an answer can be stopped.', { field: 'messageId' });
	const live = liveGenerations.get(messageId);
	if (live && !live.finished) {
		live.stop('user');
		await Promise.race([live.whenSettled(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
		return { stopped: true };
	}
	if (isFinal(message.status)) return { stopped: false };
	// Being written by another app process: mark it; that process sees the mark on its next save and stops.
	const count = await asUser(deps.db, userId, (tx) => markAnswerStopped(tx, messageId));
	return { stopped: count > 0 };
}

const POLL_INTERVAL_MS = 300;

/**
 * The events of one answer: a snapshot of its text so far, then deltas, then the saved message.
 * Live from memory when this process writes it; otherwise (another process, or already finished)
 * from the database.
 */
export async function* streamAnswer(deps: Pick<ChatDeps, 'db'>, userId: string, messageId: string, signal?: AbortSignal): AsyncGenerator<ChatStreamEvent> {
	const { db } = deps;
	// Being written here for this very user: memory has everything, no query needed.
	const live = liveGenerations.get(messageId);
	if (live?.userId === userId) {
		for await (const event of live.events(signal)) yield event;
		return;
	}
	const message = await asUser(db, userId, (tx) => loadMessage(tx, messageId));
	if (!message || message.role !== 'assistant') throw new AppError('NOT_FOUND', 'That answer does not exist or is not yours.');
	yield { type: 'snapshot', content: message.content, status: message.status };
	let sent = message.content;
	let current: ThreadMessage | null = message;
	while (current && !isFinal(current.status)) {
		if (signal?.aborted) return;
		await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
		current = await asUser(db, userId, (tx) => loadMessage(tx, messageId));
		if (current && current.content.startsWith(sent) && current.content.length > sent.length) {
			yield { type: 'delta', text: current.content.slice(sent.length) };
			sent = current.content;
		}
	}
	if (current) yield { type: 'done', message: current };
}

export function getSession(deps: Pick<ChatDeps, 'db'>, userId: string, sessionId: string): Promise<ChatSessionDetail> {
	return asUser(deps.db, userId, async (tx) => toSessionDetail(await requireSession(tx, sessionId)));
}

/** The chat's current branch, oldest first, paginated backwards from the newest message. */
export function listThread(deps: Pick<ChatDeps, 'db'>, userId: string, input: { sessionId: string; cursor?: string | null; limit: number }) {
	return asUser(deps.db, userId, async (tx) => {
		const session = await requireSession(tx, input.sessionId);
		const thread = await loadThread(tx, session.id, await currentLeaf(tx, session));
		const end = input.cursor ? thread.findIndex((message) => message.id === input.cursor) : thread.length;
		if (end < 0) throw new AppError('BAD_REQUEST', 'That page cursor is not part of this chat; reload it.', { field: 'cursor' });
		const start = Math.max(0, end - input.limit);
		return { items: thread.slice(start, end), nextCursor: start > 0 ? (thread[start]?.id ?? null) : null };
	});
}

import { randomUUID } from 'node:crypto';
import type { ChatSessionDetail, ChatStreamEvent, SendResult, ThreadMessage } from '$lib/chat/types';
import type { SendMessageInput } from '$lib/schemas/chat';
import { answersOffline, type ProviderOptions } from '../ai/provider-registry';
import { asUser, type Database, type UserTransaction } from '../db';
import type { ModelConfiguration } from '../db/generated/client';
import { env } from '../env';
import { AppError } from '../errors';
import { assertWithinQuota } from '../usage/quota';
import { startGeneration } from './generation';
import { messageSelect, toThreadMessage } from './message-view';
import { resolveChatModel } from './models.service';
import { fallbackTitle } from './prompt';
import { sessionDetailSelect, toSessionDetail } from './session-view';
import { liveGenerations } from './stream-hub';
import { findNewestLeaf, loadMessage, loadPromptHistory, loadThread, newestLeafBelow, type PromptTurn } from './thread.repo';

/** Options the tests set (shorter timeouts, no offline pacing); the app uses the defaults. */
export interface ChatRuntimeOptions {
	providerOptions?: ProviderOptions;
}

const FINAL_STATUSES = new Set(['complete', 'stopped', 'error']);

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

async function requireSession(tx: UserTransaction, sessionId: string) {
	const session = await tx.chatSession.findUnique({ where: { id: sessionId }, select: sessionDetailSelect });
	if (!session) throw new AppError('NOT_FOUND', 'That chat does not exist or is not yours.');
	return session;
}

async function requireMessage(tx: UserTransaction, messageId: string) {
	const message = await tx.message.findUnique({ where: { id: messageId }, select: messageSelect });
	if (!message) throw new AppError('NOT_FOUND', 'That message does not exist or is not yours.');
	return message;
}

async function preferencesOf(tx: UserTransaction, userId: string) {
	const settings = await tx.userSettings.findUnique({ where: { userId }, select: { systemPrompt: true, temperature: true, maxTokens: true, defaultModel: true } });
	return {
		systemPrompt: settings?.systemPrompt ?? null,
		temperature: settings ? settings.temperature.toNumber() : 0.7,
		maxTokens: settings?.maxTokens ?? 2048,
		defaultModel: settings?.defaultModel ?? null
	};
}

/** The leaf the chat currently shows: the remembered one, or the newest. */
async function currentLeaf(tx: UserTransaction, session: { id: string; currentLeafId: string | null }): Promise<string | null> {
	return session.currentLeafId ?? (await findNewestLeaf(tx, session.id));
}

/**
 * Saves the user's message (and a pending answer) in one short transaction, then starts the
 * answer in the background. The message is stored before anything upstream can fail.
 */
export async function sendMessage(
	db: Database,
	userId: string,
	input: SendMessageInput,
	options: ChatRuntimeOptions = {},
	/** Where the message goes; default: after the chat's current branch (or under input.parentId). */
	placement?: { parentId: string | null }
): Promise<SendResult> {
	// The answer's upstream request goes out before the rows below are committed, so the model's
	// time to first token overlaps the last writes. The generation makes no database write until
	// `committed` resolves, and is abandoned if the transaction fails; no transaction waits on the model.
	const committed = deferred();
	const ids = { user: randomUUID(), assistant: randomUUID() };
	let prepared;
	try {
		prepared = await asUser(db, userId, async (tx) => {
			const preferences = await preferencesOf(tx, userId);
			const session = input.sessionId
				? await requireSession(tx, input.sessionId)
				: await tx.chatSession.create({ data: { userId, title: fallbackTitle(input.content), metadata: { autoTitle: true } }, select: sessionDetailSelect });
			const model = await resolveChatModel(tx, userId, { requested: input.model, session: session.model, settings: preferences.defaultModel });
			await assertWithinQuota(tx, userId, model);
			const explicitParent = placement ? placement.parentId : (input.parentId ?? undefined);
			let parentId = explicitParent === undefined ? await currentLeaf(tx, session) : explicitParent;
			if (explicitParent) {
				const parent = await requireMessage(tx, explicitParent);
				if (parent.sessionId !== session.id) throw new AppError('BAD_REQUEST', 'That message belongs to another chat.', { field: 'parentId' });
			}
			if (parentId && explicitParent === undefined) {
				const parent = await requireMessage(tx, parentId);
				// Answering into a half-written reply would interleave two answers.
				if (parent.role === 'assistant' && !FINAL_STATUSES.has(parent.status)) {
					throw new AppError('CONFLICT', 'Wait for the current answer to finish, or stop it, before sending another message.');
				}
				if (parent.role === 'user') parentId = parent.parentId; // a question without an answer gets a sibling, not a child
			}
			const history: PromptTurn[] = [...(parentId ? await loadPromptHistory(tx, parentId) : []), { role: 'user', content: input.content, status: 'complete' }];
			startGeneration({
				db,
				userId,
				sessionId: session.id,
				userMessageId: ids.user,
				assistantMessageId: ids.assistant,
				model,
				// A chat's own instructions override the user's default ones.
				preferences: { ...preferences, systemPrompt: session.systemPrompt ?? preferences.systemPrompt },
				history,
				generateTitle: session.messageCount === 0,
				committed: committed.promise,
				providerOptions: options.providerOptions
			});
			const exchange = await insertExchange(tx, userId, session.id, parentId, input.content, model, explicitParent !== undefined, ids);
			return { ...exchange, model };
		});
	} catch (error) {
		committed.reject(error);
		throw error;
	}
	committed.resolve();
	return {
		sessionId: prepared.sessionId,
		userMessage: prepared.userMessage,
		assistantMessage: prepared.assistantMessage,
		offlineMode: answersOffline(prepared.model, env())
	};
}

async function insertExchange(
	tx: UserTransaction,
	userId: string,
	sessionId: string,
	parentId: string | null,
	content: string,
	model: ModelConfiguration,
	isNewVersion: boolean,
	ids: { user: string; assistant: string }
) {
	const user = await tx.message.create({ data: { id: ids.user, sessionId, userId, role: 'user', content, parentId, status: 'complete' }, select: messageSelect });
	const assistant = await insertPendingAnswer(tx, userId, sessionId, user.id, model, ids.assistant);
	// Appending to a branch's end creates no siblings; only an edit needs its versions looked up.
	const versions = isNewVersion
		? (await tx.message.findMany({ where: { sessionId, parentId }, select: { id: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((row) => row.id)
		: [user.id];
	return {
		sessionId,
		userMessage: toThreadMessage(user, { ids: versions, index: Math.max(0, versions.indexOf(user.id)) }),
		assistantMessage: toThreadMessage(assistant)
	};
}

async function insertPendingAnswer(tx: UserTransaction, userId: string, sessionId: string, parentId: string, model: ModelConfiguration, id: string = randomUUID()) {
	const assistant = await tx.message.create({
		data: { id, sessionId, userId, role: 'assistant', content: '', parentId, status: 'pending', model: model.modelName },
		select: messageSelect
	});
	await tx.chatSession.update({ where: { id: sessionId }, data: { currentLeafId: assistant.id, model: model.modelName }, select: { id: true } });
	return assistant;
}

/** A new version of an answer, as a sibling of `messageId` (same question). */
export async function regenerateAnswer(db: Database, userId: string, messageId: string, requestedModel: string | null | undefined, options: ChatRuntimeOptions = {}) {
	const prepared = await asUser(db, userId, async (tx) => {
		const previous = await requireMessage(tx, messageId);
		if (previous.role !== 'assistant' || !previous.parentId) throw new AppError('BAD_REQUEST', 'Only an answer can be regenerated.', { field: 'messageId' });
		if (!FINAL_STATUSES.has(previous.status)) throw new AppError('CONFLICT', 'This answer is still being written; stop it first.');
		const session = await requireSession(tx, previous.sessionId);
		const preferences = await preferencesOf(tx, userId);
		const model = await resolveChatModel(tx, userId, { requested: requestedModel, session: previous.model ?? session.model, settings: preferences.defaultModel });
		await assertWithinQuota(tx, userId, model);
		const assistant = await insertPendingAnswer(tx, userId, session.id, previous.parentId, model);
		return {
			sessionId: session.id,
			userMessageId: previous.parentId,
			assistantId: assistant.id,
			model,
			preferences: { ...preferences, systemPrompt: session.systemPrompt ?? preferences.systemPrompt }
		};
	});
	startGeneration({
		db,
		userId,
		sessionId: prepared.sessionId,
		userMessageId: prepared.userMessageId,
		assistantMessageId: prepared.assistantId,
		model: prepared.model,
		preferences: prepared.preferences,
		generateTitle: false,
		providerOptions: options.providerOptions
	});
	const assistantMessage = await asUser(db, userId, (tx) => loadMessage(tx, prepared.assistantId));
	if (!assistantMessage) throw new AppError('NOT_FOUND', 'The new answer could not be read back.');
	return { assistantMessage };
}

/** Edit and re-ask: a new version of a question (sibling of `messageId`) with a new answer. */
export async function editAndResend(db: Database, userId: string, messageId: string, content: string, options: ChatRuntimeOptions = {}) {
	const original = await asUser(db, userId, (tx) => requireMessage(tx, messageId));
	if (original.role !== 'user') throw new AppError('BAD_REQUEST', 'Only your own messages can be edited.', { field: 'messageId' });
	const result = await sendMessage(db, userId, { sessionId: original.sessionId, content }, options, { parentId: original.parentId });
	return { userMessage: result.userMessage, assistantMessage: result.assistantMessage };
}

/** Shows another version: the chat moves to the newest branch under `messageId`. */
export function switchBranch(db: Database, userId: string, messageId: string) {
	return asUser(db, userId, async (tx) => {
		const message = await requireMessage(tx, messageId);
		const leaf = await newestLeafBelow(tx, message.id);
		await tx.chatSession.update({ where: { id: message.sessionId }, data: { currentLeafId: leaf } });
		return { currentLeafId: leaf };
	});
}

/** Stops an answer being written, keeping what was written so far (status 'stopped'). */
export async function stopAnswer(db: Database, userId: string, messageId: string): Promise<{ stopped: boolean }> {
	const message = await asUser(db, userId, (tx) => requireMessage(tx, messageId));
	if (message.role !== 'assistant') throw new AppError('BAD_REQUEST', 'Only an answer can be stopped.', { field: 'messageId' });
	const live = liveGenerations.get(messageId);
	if (live && !live.finished) {
		live.stop('user');
		await Promise.race([live.whenSettled(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
		return { stopped: true };
	}
	if (FINAL_STATUSES.has(message.status)) return { stopped: false };
	// Being written by another app process: mark it; that process sees the mark on its next save and stops.
	const { count } = await asUser(db, userId, (tx) =>
		tx.message.updateMany({ where: { id: messageId, status: { in: ['pending', 'streaming'] } }, data: { status: 'stopped', finishReason: 'stopped' } })
	);
	return { stopped: count > 0 };
}

const POLL_INTERVAL_MS = 300;

/**
 * The events of one answer: a snapshot of its text so far, then deltas, then the saved message.
 * Live from memory when this process writes it; otherwise (another process, or already finished)
 * from the database.
 */
export async function* streamAnswer(db: Database, userId: string, messageId: string, signal?: AbortSignal): AsyncGenerator<ChatStreamEvent> {
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
	while (current && !FINAL_STATUSES.has(current.status)) {
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

export function getSession(db: Database, userId: string, sessionId: string): Promise<ChatSessionDetail> {
	return asUser(db, userId, async (tx) => toSessionDetail(await requireSession(tx, sessionId)));
}

/** The chat's current branch, oldest first, paginated backwards from the newest message. */
export function listThread(db: Database, userId: string, input: { sessionId: string; cursor?: string | null; limit: number }) {
	return asUser(db, userId, async (tx) => {
		const session = await requireSession(tx, input.sessionId);
		const thread = await loadThread(tx, session.id, await currentLeaf(tx, session));
		const end = input.cursor ? thread.findIndex((message) => message.id === input.cursor) : thread.length;
		if (end < 0) throw new AppError('BAD_REQUEST', 'That page cursor is not part of this chat; reload it.', { field: 'cursor' });
		const start = Math.max(0, end - input.limit);
		return { items: thread.slice(start, end), nextCursor: start > 0 ? (thread[start]?.id ?? null) : null };
	});
}

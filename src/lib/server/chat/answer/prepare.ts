import { randomUUID } from 'node:crypto';
import { answersOffline } from '../../ai/provider-registry';
import { asUser } from '../../db';
import { env } from '../../env';
import { AppError } from '../../errors';
import { chatPreferencesOf, findMessage, findSession, sessionKnowledgeSetting, type SessionRow } from '../message.repo';
import { resolveChatModel } from '../models.service';
import { fallbackTitle } from '../prompt';
import { findNewestLeaf, loadPromptHistory } from '../thread.repo';
import type { ChatDeps, PreparedAnswer } from './types';

const FINAL_STATUSES = new Set(['complete', 'stopped', 'error']);

export function isFinal(status: string): boolean {
	return FINAL_STATUSES.has(status);
}

async function requireSession(tx: Parameters<typeof findSession>[0], sessionId: string): Promise<SessionRow> {
	const session = await findSession(tx, sessionId);
	if (!session) throw new AppError('NOT_FOUND', 'That chat does not exist or is not yours.');
	return session;
}

export async function requireMessage(tx: Parameters<typeof findMessage>[0], messageId: string) {
	const message = await findMessage(tx, messageId);
	if (!message) throw new AppError('NOT_FOUND', 'That message does not exist or is not yours.');
	return message;
}

function modelFacts(model: PreparedAnswer['model']) {
	const offline = answersOffline(model, env());
	return { offline, providerName: offline ? 'offline' : model.provider };
}

export interface SendRequest {
	sessionId?: string | null;
	content: string;
	model?: string | null;
	parentId?: string | null;
	knowledge?: boolean;
}

/**
 * Prepare a new question and its answer: the chat (or a new one), the model, where the question
 * goes in the message tree and the conversation before it. Reads only, in one short transaction;
 * nothing is written until the quota admits the call.
 */
export function prepareSend(deps: ChatDeps, userId: string, input: SendRequest, placement?: { parentId: string | null }): Promise<PreparedAnswer> {
	return asUser(deps.db, userId, async (tx) => {
		const preferences = await chatPreferencesOf(tx, userId);
		const session = input.sessionId ? await requireSession(tx, input.sessionId) : null;
		const model = await resolveChatModel(tx, userId, { requested: input.model, session: session?.model, settings: preferences.defaultModel });
		const explicitParent = placement ? placement.parentId : (input.parentId ?? undefined);
		let parentId: string | null = null;
		if (session) {
			parentId = explicitParent === undefined ? (session.currentLeafId ?? (await findNewestLeaf(tx, session.id))) : explicitParent;
			if (explicitParent) {
				const parent = await requireMessage(tx, explicitParent);
				if (parent.sessionId !== session.id) throw new AppError('BAD_REQUEST', 'That message belongs to another chat.', { field: 'parentId' });
			}
			if (parentId && explicitParent === undefined) {
				const parent = await requireMessage(tx, parentId);
				// Answering into a half-written reply would interleave two answers.
				if (parent.role === 'assistant' && !isFinal(parent.status)) {
					throw new AppError('CONFLICT', 'Wait for the current answer to finish, or stop it, before sending another message.');
				}
				if (parent.role === 'user') parentId = parent.parentId; // a question without an answer gets a sibling, not a child
			}
		} else if (explicitParent) {
			throw new AppError('BAD_REQUEST', 'A new chat has no message to answer under.', { field: 'parentId' });
		}
		const history = [...(parentId ? await loadPromptHistory(tx, parentId) : []), { role: 'user' as const, content: input.content, status: 'complete' }];
		const chatKnowledge = session ? await sessionKnowledgeSetting(tx, session.id) : null;
		return {
			userId,
			sessionId: session?.id ?? randomUUID(),
			isNewSession: session === null,
			newSessionTitle: fallbackTitle(input.content),
			model,
			...modelFacts(model),
			// A chat's own instructions override the user's default ones.
			preferences: { ...preferences, systemPrompt: session?.systemPrompt ?? preferences.systemPrompt },
			question: { id: randomUUID(), parentId, content: input.content },
			isNewVersion: explicitParent !== undefined,
			answerId: randomUUID(),
			history,
			generateTitle: (session?.messageCount ?? 0) === 0,
			useKnowledge: input.knowledge ?? chatKnowledge ?? preferences.useKnowledgeBase,
			knowledgeToggle: input.knowledge
		};
	});
}

/** Prepare a new version of an answer, as a sibling of `messageId` (same question). */
export function prepareRegenerate(deps: ChatDeps, userId: string, messageId: string, requestedModel: string | null | undefined): Promise<PreparedAnswer> {
	return asUser(deps.db, userId, async (tx) => {
		const previous = await requireMessage(tx, messageId);
		if (previous.role !== 'assistant' || !previous.parentId) throw new AppError('BAD_REQUEST', 'Only an answer can be regenerated.', { field: 'messageId' });
		if (!isFinal(previous.status)) throw new AppError('CONFLICT', 'This answer is still being written; stop it first.');
		const session = await requireSession(tx, previous.sessionId);
		const preferences = await chatPreferencesOf(tx, userId);
		const model = await resolveChatModel(tx, userId, { requested: requestedModel, session: previous.model ?? session.model, settings: preferences.defaultModel });
		return {
			userId,
			sessionId: session.id,
			isNewSession: false,
			newSessionTitle: session.title,
			model,
			...modelFacts(model),
			preferences: { ...preferences, systemPrompt: session.systemPrompt ?? preferences.systemPrompt },
			question: { id: previous.parentId, parentId: null },
			isNewVersion: true,
			answerId: randomUUID(),
			history: await loadPromptHistory(tx, previous.parentId),
			generateTitle: false,
			useKnowledge: (await sessionKnowledgeSetting(tx, session.id)) ?? preferences.useKnowledgeBase
		};
	});
}

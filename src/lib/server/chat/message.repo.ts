import type { Database, UserTransaction } from '../db';
import type { Prisma } from '../db/generated/client';
import { messageSelect, type MessageRow } from './message-view';
import { sessionDetailSelect } from './session-view';

/**
 * Reads and writes of chats and messages for the answer pipeline. All run inside asUser, so row
 * level security scopes them to the caller: another user's chat or message reads as missing.
 */

export function findSession(tx: UserTransaction, sessionId: string) {
	return tx.chatSession.findUnique({ where: { id: sessionId }, select: sessionDetailSelect });
}

export type SessionRow = NonNullable<Awaited<ReturnType<typeof findSession>>>;

/** The chat's own knowledge base switch (null: follow the user's setting). */
export async function sessionKnowledgeSetting(tx: UserTransaction, sessionId: string): Promise<boolean | null> {
	const row = await tx.chatSession.findUnique({ where: { id: sessionId }, select: { useKnowledgeBase: true } });
	return row?.useKnowledgeBase ?? null;
}

export async function setSessionKnowledge(tx: UserTransaction, sessionId: string, useKnowledgeBase: boolean): Promise<void> {
	await tx.chatSession.updateMany({ where: { id: sessionId }, data: { useKnowledgeBase } });
}

export function createSession(tx: UserTransaction, data: { id: string; userId: string; title: string }) {
	return tx.chatSession.create({ data: { ...data, metadata: { autoTitle: true } }, select: sessionDetailSelect });
}

export function findMessage(tx: UserTransaction, messageId: string): Promise<MessageRow | null> {
	return tx.message.findUnique({ where: { id: messageId }, select: messageSelect });
}

/** Ids of the versions under one parent (or of the chat's roots), oldest first. */
export async function versionIds(tx: UserTransaction, sessionId: string, parentId: string | null): Promise<string[]> {
	const rows = await tx.message.findMany({ where: { sessionId, parentId }, select: { id: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
	return rows.map((row) => row.id);
}

export function insertUserMessage(tx: UserTransaction, data: { id: string; sessionId: string; userId: string; parentId: string | null; content: string }) {
	return tx.message.create({ data: { ...data, role: 'user', status: 'complete' }, select: messageSelect });
}

/** The answer's row, empty and pending, made the chat's current branch. */
export async function insertPendingAnswer(tx: UserTransaction, data: { id: string; sessionId: string; userId: string; parentId: string; model: string }) {
	const answer = await tx.message.create({ data: { ...data, role: 'assistant', content: '', status: 'pending' }, select: messageSelect });
	await tx.chatSession.update({ where: { id: data.sessionId }, data: { currentLeafId: answer.id, model: data.model }, select: { id: true } });
	return answer;
}

/** Saves the text so far; 0 when the answer is no longer in flight (stopped from elsewhere). */
export async function savePartialAnswer(tx: UserTransaction, messageId: string, content: string): Promise<number> {
	const { count } = await tx.message.updateMany({ where: { id: messageId, status: { in: ['pending', 'streaming'] } }, data: { content, status: 'streaming' } });
	return count;
}

/** Marks an answer written by another process as stopped; that process sees it on its next save. */
export async function markAnswerStopped(tx: UserTransaction, messageId: string): Promise<number> {
	const { count } = await tx.message.updateMany({ where: { id: messageId, status: { in: ['pending', 'streaming'] } }, data: { status: 'stopped', finishReason: 'stopped' } });
	return count;
}

export interface FinalAnswer {
	content: string;
	status: 'complete' | 'stopped' | 'error';
	finishReason: string | null;
	promptTokens: number;
	completionTokens: number;
	costUsd: string;
	timeToFirstTokenMs: number | null;
	responseTimeMs: number;
	metadata: Prisma.InputJsonObject;
}

export async function saveFinalAnswer(tx: UserTransaction, messageId: string, answer: FinalAnswer): Promise<void> {
	await tx.message.update({
		where: { id: messageId },
		data: { ...answer, totalTokens: answer.promptTokens + answer.completionTokens },
		select: { id: true }
	});
}

export async function setCurrentLeaf(tx: UserTransaction, sessionId: string, leafId: string): Promise<void> {
	await tx.chatSession.update({ where: { id: sessionId }, data: { currentLeafId: leafId }, select: { id: true } });
}

/** Replaces the automatic title only: a chat the user renamed meanwhile keeps its name. */
export async function replaceAutomaticTitle(tx: UserTransaction, sessionId: string, title: string): Promise<void> {
	await tx.chatSession.updateMany({ where: { id: sessionId, metadata: { path: ['autoTitle'], equals: true } }, data: { title } });
}

export interface ChatPreferences {
	systemPrompt: string | null;
	temperature: number;
	maxTokens: number;
	defaultModel: string | null;
	useKnowledgeBase: boolean;
}

export async function chatPreferencesOf(tx: UserTransaction, userId: string): Promise<ChatPreferences> {
	const settings = await tx.userSettings.findUnique({ where: { userId }, select: { systemPrompt: true, temperature: true, maxTokens: true, defaultModel: true, useKnowledgeBase: true } });
	return {
		systemPrompt: settings?.systemPrompt ?? null,
		temperature: settings ? settings.temperature.toNumber() : 0.7,
		maxTokens: settings?.maxTokens ?? 2048,
		defaultModel: settings?.defaultModel ?? null,
		useKnowledgeBase: settings?.useKnowledgeBase ?? true
	};
}

/** Marks answers nobody is writing any more as interrupted (runs as the app, across all users). */
export async function closeStaleAnswers(db: Database, options: { olderThan: Date; except: string[]; reason: string }): Promise<number> {
	const { count } = await db.prisma.message.updateMany({
		where: { status: { in: ['pending', 'streaming'] }, updatedAt: { lt: options.olderThan }, id: { notIn: options.except } },
		data: { status: 'error', finishReason: 'interrupted', metadata: { error: options.reason } }
	});
	return count;
}

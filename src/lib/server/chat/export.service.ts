import type { ThreadMessage } from '$lib/chat/types';
import { asUser, type Database } from '../db';
import { AppError } from '../errors';
import { findSession } from './message.repo';
import { findNewestLeaf, loadThread } from './thread.repo';

export interface ExportFile {
	filename: string;
	mimeType: string;
	content: string;
}

function slug(title: string): string {
	return (
		title
			.toLowerCase()
			.normalize('NFKD')
			.replace(/[^\p{L}\p{N}]+/gu, '-')
			.replace(/^-+|-+$/g, '')
			.slice(0, 60) || 'chat'
	);
}

function toMarkdown(title: string, exportedAt: Date, thread: ThreadMessage[]): string {
	const parts = [`# ${title}`, '', `_Exported from AirAssist on ${exportedAt.toISOString()}_`, ''];
	for (const message of thread) {
		if (message.role === 'system') continue;
		const who = message.role === 'user' ? '**You**' : `**Assistant**${message.model ? ` (${message.model})` : ''}`;
		const note = message.status === 'stopped' ? ' _(stopped)_' : message.status === 'error' ? ` _(failed: ${message.error ?? 'error'})_` : '';
		parts.push(`${who} · ${message.createdAt.toISOString()}${note}`, '', message.content, '', '---', '');
	}
	return parts.join('\n');
}

/** The chat's current branch as a Markdown document or as JSON with per-message usage. */
export function exportChat(db: Database, userId: string, sessionId: string, format: 'markdown' | 'json'): Promise<ExportFile> {
	return asUser(db, userId, async (tx) => {
		const session = await findSession(tx, sessionId);
		if (!session) throw new AppError('NOT_FOUND', 'That chat does not exist or is not yours.');
		const thread = await loadThread(tx, session.id, session.currentLeafId ?? (await findNewestLeaf(tx, session.id)));
		const exportedAt = new Date();
		const base = `${slug(session.title)}-${exportedAt.toISOString().slice(0, 10)}`;
		if (format === 'markdown') return { filename: `${base}.md`, mimeType: 'text/markdown', content: toMarkdown(session.title, exportedAt, thread) };
		const document = {
			title: session.title,
			createdAt: session.createdAt,
			exportedAt,
			messages: thread.map((message) => ({
				id: message.id,
				role: message.role,
				content: message.content,
				status: message.status,
				model: message.model,
				createdAt: message.createdAt,
				promptTokens: message.promptTokens,
				completionTokens: message.completionTokens,
				costUsd: message.costUsd,
				timeToFirstTokenMs: message.timeToFirstTokenMs,
				responseTimeMs: message.responseTimeMs
			}))
		};
		return { filename: `${base}.json`, mimeType: 'application/json', content: JSON.stringify(document, null, 2) };
	});
}

import { z } from 'zod';
import { generateToken } from '../auth/tokens';
import { asUser, type Database } from '../db';
import { AppError } from '../errors';
import { findShareByToken, findShareableSession, insertShare, listSessionShares, revokeShareRow } from './share.repo';
import { findNewestLeaf, loadThread } from './thread.repo';

const snapshotSchema = z.object({
	messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string(), createdAt: z.coerce.date() }))
});

export interface SharedChat {
	title: string;
	createdAt: Date;
	messages: { role: 'user' | 'assistant' | 'system'; content: string; createdAt: Date }[];
}

/** Freezes the chat's visible branch into a read-only snapshot behind an unguessable link. */
export async function createShare(db: Database, userId: string, sessionId: string) {
	return asUser(db, userId, async (tx) => {
		const session = await findShareableSession(tx, sessionId);
		if (!session) throw new AppError('NOT_FOUND', 'That chat does not exist or is not yours.');
		const thread = await loadThread(tx, session.id, session.currentLeafId ?? (await findNewestLeaf(tx, session.id)));
		const shown = thread.filter((message) => message.role !== 'system' && message.content.trim() !== '');
		if (shown.length === 0) throw new AppError('BAD_REQUEST', 'There is nothing to share in this chat yet.');
		const token = generateToken(24);
		const share = await insertShare(tx, {
			sessionId: session.id,
			userId,
			token,
			title: session.title,
			snapshot: { messages: shown.map((message) => ({ role: message.role, content: message.content, createdAt: message.createdAt.toISOString() })) }
		});
		return { id: share.id, token: share.token, path: `/share/${share.token}` };
	});
}

export function listShares(db: Database, userId: string, sessionId: string) {
	return asUser(db, userId, async (tx) => {
		// Like its siblings: someone else's chat is not found, rather than a chat without shares.
		const session = await findShareableSession(tx, sessionId);
		if (!session) throw new AppError('NOT_FOUND', 'That chat does not exist or is not yours.');
		const shares = await listSessionShares(tx, sessionId);
		return shares.map((share) => ({ id: share.id, path: `/share/${share.token}`, createdAt: share.createdAt, revokedAt: share.revokedAt }));
	});
}

export async function revokeShare(db: Database, userId: string, shareId: string): Promise<void> {
	const count = await asUser(db, userId, (tx) => revokeShareRow(tx, shareId));
	if (count === 0) throw new AppError('NOT_FOUND', 'No active share with that id.');
}

/** The public page's read: by token, as the app itself (visitors have no account); null when unknown or revoked. */
export async function getSharedChat(db: Database, token: string): Promise<SharedChat | null> {
	if (!/^[a-z2-7]{32,64}$/.test(token)) return null;
	const share = await findShareByToken(db, token);
	if (!share || share.revokedAt) return null;
	const snapshot = snapshotSchema.safeParse(share.snapshot);
	if (!snapshot.success) return null;
	return { title: share.title, createdAt: share.createdAt, messages: snapshot.data.messages };
}

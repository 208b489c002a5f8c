import type { Database, UserTransaction } from '../db';

/** The chat a share is made of, if the caller can see it (row level security). */
export function findShareableSession(tx: UserTransaction, sessionId: string) {
	return tx.chatSession.findUnique({ where: { id: sessionId }, select: { id: true, title: true, currentLeafId: true } });
}

export interface ShareSnapshot {
	messages: { role: string; content: string; createdAt: string }[];
}

export function insertShare(tx: UserTransaction, data: { sessionId: string; userId: string; token: string; title: string; snapshot: ShareSnapshot }) {
	return tx.chatShare.create({ data: { ...data, snapshot: { messages: data.snapshot.messages } }, select: { id: true, token: true } });
}

export function listSessionShares(tx: UserTransaction, sessionId: string) {
	return tx.chatShare.findMany({ where: { sessionId }, select: { id: true, token: true, createdAt: true, revokedAt: true }, orderBy: { createdAt: 'desc' } });
}

/** Revokes one active share; 0 when there is none (or it is someone else's). */
export async function revokeShareRow(tx: UserTransaction, shareId: string): Promise<number> {
	const { count } = await tx.chatShare.updateMany({ where: { id: shareId, revokedAt: null }, data: { revokedAt: new Date() } });
	return count;
}

/** A share by its token, read as the app itself: visitors of a public link have no account. */
export function findShareByToken(db: Database, token: string) {
	return db.prisma.chatShare.findUnique({ where: { token }, select: { title: true, createdAt: true, snapshot: true, revokedAt: true } });
}

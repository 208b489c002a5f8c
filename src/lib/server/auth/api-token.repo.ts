import type { Database, UserTransaction } from '../db';

export const apiTokenListSelect = {
	id: true,
	name: true,
	tokenPrefix: true,
	createdAt: true,
	lastUsedAt: true,
	expiresAt: true,
	revokedAt: true
} as const;

/** The caller's tokens, newest first (inside asUser: row level security scopes it). */
export function listApiTokenRows(tx: UserTransaction) {
	return tx.apiToken.findMany({ select: apiTokenListSelect, orderBy: { createdAt: 'desc' } });
}

export function countActiveApiTokens(tx: UserTransaction): Promise<number> {
	return tx.apiToken.count({ where: { revokedAt: null } });
}

export function insertApiToken(tx: UserTransaction, data: { userId: string; name: string; tokenHash: string; tokenPrefix: string; expiresAt: Date | null }) {
	return tx.apiToken.create({ data, select: apiTokenListSelect });
}

/** Revokes one active token of the caller; 0 when there is none. */
export async function revokeApiTokenRow(tx: UserTransaction, tokenId: string): Promise<number> {
	const { count } = await tx.apiToken.updateMany({ where: { id: tokenId, revokedAt: null }, data: { revokedAt: new Date() } });
	return count;
}

export async function touchApiToken(db: Database, tokenId: string, at: Date): Promise<void> {
	await db.prisma.apiToken.updateMany({ where: { id: tokenId }, data: { lastUsedAt: at } });
}

import type { Database, UserTransaction } from '../db';
import { AppError } from '../errors';
import type { AuthSession, AuthUser } from './auth-user';
import { countActiveApiTokens, insertApiToken, listApiTokenRows, revokeApiTokenRow, touchApiToken } from './api-token.repo';
import { findApiTokenIdentity } from './identity.repo';
import { API_TOKEN_PREFIX, generateApiToken, hashToken } from './tokens';

/** `last_used_at` is informational; one write per token per minute is plenty. */
const LAST_USED_RESOLUTION_MS = 60_000;
const MAX_TOKENS_PER_USER = 50;

/** Lists the caller's tokens (run inside asUser: row level security scopes it). */
export function listApiTokens(tx: UserTransaction) {
	return listApiTokenRows(tx);
}

/** Creates a token and returns it in full — the only time it is ever shown. */
export async function createApiToken(tx: UserTransaction, userId: string, input: { name: string; expiresInDays?: number | null }) {
	const active = await countActiveApiTokens(tx);
	if (active >= MAX_TOKENS_PER_USER) {
		throw new AppError('BAD_REQUEST', `You already have ${MAX_TOKENS_PER_USER} active tokens; revoke one first.`, { field: 'name' });
	}
	const token = generateApiToken();
	const created = await insertApiToken(tx, {
		userId,
		name: input.name,
		tokenHash: hashToken(token),
		tokenPrefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
		expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null
	});
	return { token, apiToken: created };
}

export async function revokeApiToken(tx: UserTransaction, tokenId: string): Promise<void> {
	if ((await revokeApiTokenRow(tx, tokenId)) === 0) throw new AppError('NOT_FOUND', 'No active token with that id.');
}

/** Resolves `Authorization: Bearer aa_…` to its owner, or null when unknown, revoked, expired or disabled. */
export async function validateApiToken(db: Database, token: string): Promise<{ user: AuthUser; session: AuthSession } | null> {
	if (!token.startsWith(API_TOKEN_PREFIX)) return null;
	const found = await findApiTokenIdentity(db, hashToken(token));
	const now = Date.now();
	if (!found || found.revokedAt || (found.expiresAt && found.expiresAt.getTime() <= now) || found.isDisabled) return null;
	if (!found.touchedAt || now - found.touchedAt.getTime() > LAST_USED_RESOLUTION_MS) {
		await touchApiToken(db, found.credentialId, new Date(now));
	}
	return { user: found.user, session: { id: found.credentialId, expiresAt: found.expiresAt, via: 'api_token' } };
}

import type { Database } from '../db';
import { UserRole, UserTier } from '../db/generated/enums';
import type { AuthUser } from './auth-user';

/**
 * Every authenticated request resolves its credential here, so each lookup is one indexed join
 * (Prisma's nested select would take three round trips: credential, user, profile).
 */
interface IdentityRow {
	credential_id: string;
	expires_at: Date | null;
	touched_at: Date | null;
	revoked_at: Date | null;
	user_id: string;
	email: string;
	is_disabled: boolean;
	display_name: string | null;
	role: string;
	tier: string;
}

export interface CredentialIdentity {
	credentialId: string;
	expiresAt: Date | null;
	/** sessions.last_seen_at or api_tokens.last_used_at */
	touchedAt: Date | null;
	revokedAt: Date | null;
	isDisabled: boolean;
	user: AuthUser;
}

/** Raw SQL returns the enums as text; narrow them against the generated enum values. */
export function toRole(value: string): UserRole {
	return Object.values(UserRole).find((role) => role === value) ?? 'user';
}

export function toTier(value: string): UserTier {
	return Object.values(UserTier).find((tier) => tier === value) ?? 'free';
}

function toIdentity(row: IdentityRow | undefined): CredentialIdentity | null {
	if (!row) return null;
	return {
		credentialId: row.credential_id,
		expiresAt: row.expires_at,
		touchedAt: row.touched_at,
		revokedAt: row.revoked_at,
		isDisabled: row.is_disabled,
		user: {
			id: row.user_id,
			email: row.email,
			displayName: row.display_name,
			role: toRole(row.role),
			tier: toTier(row.tier)
		}
	};
}

export async function findSessionIdentity(db: Database, sessionId: string): Promise<CredentialIdentity | null> {
	const rows = await db.prisma.$queryRaw<IdentityRow[]>`
		select s.id as credential_id, s.expires_at, s.last_seen_at as touched_at, null::timestamptz as revoked_at,
		       u.id::text as user_id, u.email, u.is_disabled, p.display_name, p.role::text as role, p.tier::text as tier
		from auth.sessions s
		join auth.users u on u.id = s.user_id
		join public.profiles p on p.id = u.id
		where s.id = ${sessionId}`;
	return toIdentity(rows[0]);
}

export async function findApiTokenIdentity(db: Database, tokenHash: string): Promise<CredentialIdentity | null> {
	const rows = await db.prisma.$queryRaw<IdentityRow[]>`
		select t.id::text as credential_id, t.expires_at, t.last_used_at as touched_at, t.revoked_at,
		       u.id::text as user_id, u.email, u.is_disabled, p.display_name, p.role::text as role, p.tier::text as tier
		from auth.api_tokens t
		join auth.users u on u.id = t.user_id
		join public.profiles p on p.id = u.id
		where t.token_hash = ${tokenHash}`;
	return toIdentity(rows[0]);
}

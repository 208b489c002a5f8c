import type { UserRole, UserTier } from '../db/generated/client';

/** Who is asking: what every request needs to know about its user, resolved once per request. */
export interface AuthUser {
	id: string;
	email: string;
	displayName: string | null;
	role: UserRole;
	tier: UserTier;
}

export interface AuthSession {
	/** SHA-256 of the cookie's token (auth.sessions.id), or the API token's id. */
	id: string;
	expiresAt: Date | null;
	via: 'cookie' | 'api_token';
}

/** The Prisma selection that yields an AuthUser, shared by every lookup. */
export const authUserSelect = {
	id: true,
	email: true,
	isDisabled: true,
	profile: { select: { displayName: true, role: true, tier: true } }
} as const;

export function toAuthUser(row: {
	id: string;
	email: string;
	profile: { displayName: string | null; role: UserRole; tier: UserTier } | null;
}): AuthUser {
	return {
		id: row.id,
		email: row.email,
		displayName: row.profile?.displayName ?? null,
		role: row.profile?.role ?? 'user',
		tier: row.profile?.tier ?? 'free'
	};
}

import type { Database } from '../db';
import { authUserSelect, type AuthUser } from './auth-user';
import { toRole, toTier } from './identity.repo';

/** Finds an account by email, case-insensitively (served by the unique index on lower(email)). */
export async function findUserIdByEmail(db: Database, email: string): Promise<string | null> {
	const rows = await db.prisma.$queryRaw<{ id: string }[]>`select id::text as id from auth.users where lower(email) = lower(${email.trim()})`;
	return rows[0]?.id ?? null;
}

export interface SignInCandidate {
	user: AuthUser;
	passwordHash: string | null;
	isDisabled: boolean;
}

/**
 * Everything a sign-in needs, by email or by id, in one query — so an unknown email and a wrong
 * password cost the same number of round trips as well as the same password check.
 */
export async function findSignInCandidate(db: Database, by: { email: string } | { id: string }): Promise<SignInCandidate | null> {
	const email = 'email' in by ? by.email.trim() : null;
	const id = 'id' in by ? by.id : null;
	const rows = await db.prisma.$queryRaw<
		{ id: string; email: string; password_hash: string | null; is_disabled: boolean; display_name: string | null; role: string; tier: string }[]
	>`
		select u.id::text as id, u.email, u.password_hash, u.is_disabled, p.display_name, p.role::text as role, p.tier::text as tier
		from auth.users u join public.profiles p on p.id = u.id
		where (${email}::text is not null and lower(u.email) = lower(${email}::text)) or u.id = ${id}::uuid`;
	const row = rows[0];
	if (!row) return null;
	return {
		user: { id: row.id, email: row.email, displayName: row.display_name, role: toRole(row.role), tier: toTier(row.tier) },
		passwordHash: row.password_hash,
		isDisabled: row.is_disabled
	};
}

/** A new account; the signup trigger (001) creates its profile and settings in the same statement. */
export function insertUser(db: Database, data: { email: string; passwordHash: string; rawUserMetaData: Record<string, string>; lastSignInAt: Date }) {
	return db.prisma.user.create({ data, select: authUserSelect });
}

export async function markSignedIn(db: Database, userId: string, at: Date): Promise<void> {
	await db.prisma.user.update({ where: { id: userId }, data: { lastSignInAt: at } });
}

export async function setPasswordHash(db: Database, userId: string, passwordHash: string): Promise<void> {
	await db.prisma.user.update({ where: { id: userId }, data: { passwordHash } });
}

/** Deletes an account; foreign keys cascade to everything it owns. */
export async function deleteUserRow(db: Database, userId: string): Promise<void> {
	await db.prisma.user.delete({ where: { id: userId } });
}

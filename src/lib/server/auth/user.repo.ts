import type { Database } from '../db';
import { authUserSelect } from './auth-user';

/** Finds an account by email, case-insensitively (served by the unique index on lower(email)). */
export async function findUserIdByEmail(db: Database, email: string): Promise<string | null> {
	const rows = await db.prisma.$queryRaw<{ id: string }[]>`select id::text as id from auth.users where lower(email) = lower(${email.trim()})`;
	return rows[0]?.id ?? null;
}

export function findUserForSignIn(db: Database, id: string) {
	return db.prisma.user.findUnique({ where: { id }, select: { ...authUserSelect, passwordHash: true } });
}

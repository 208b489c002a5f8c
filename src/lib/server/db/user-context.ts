import type { Database } from './client';
import type { Prisma } from './generated/client';

export type UserTransaction = Prisma.TransactionClient;

/** Interactive transactions wait behind each other on the single-session embedded engine. */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

/**
 * Runs `work` in one transaction as `userId`: `auth.uid()` returns that id and the session acts as
 * the `authenticated` role, so row level security filters every statement, even an unfiltered
 * select. Both settings are transaction-local and vanish at commit or rollback.
 *
 * Keep `work` short and database-only: never await an LLM call, a stream or a file parse in here.
 * On the embedded engine an open transaction stalls every other request.
 */
export function asUser<T>(db: Database, userId: string, work: (tx: UserTransaction) => Promise<T>): Promise<T> {
	return db.prisma.$transaction(async (tx) => {
		// One round trip: set_config('role', …, true) is SET LOCAL ROLE in function form.
		await tx.$queryRaw`select set_config('request.jwt.claim.sub', ${userId}, true), set_config('role', 'authenticated', true)`;
		return work(tx);
	}, TRANSACTION_OPTIONS);
}

/**
 * Like `asUser`, with the administrator's powers: the policies that call is_admin() (every chat,
 * every profile, everyone's usage) apply only in here (migration 040). Only procedures behind
 * `adminProcedure` use it; in every other procedure an administrator is an ordinary user, so
 * their own chats, shares and knowledge search show their own rows only. The database still
 * checks the role: for anyone who is not an administrator this is exactly `asUser`.
 */
export function withAdminPowers<T>(db: Database, userId: string, work: (tx: UserTransaction) => Promise<T>): Promise<T> {
	return db.prisma.$transaction(async (tx) => {
		await tx.$queryRaw`select set_config('request.jwt.claim.sub', ${userId}, true), set_config('role', 'authenticated', true), set_config('app.admin_powers', 'on', true)`;
		return work(tx);
	}, TRANSACTION_OPTIONS);
}

/** Like `asUser` with no identity: the `anon` role, which sees only what is public. */
export function asAnonymous<T>(db: Database, work: (tx: UserTransaction) => Promise<T>): Promise<T> {
	return db.prisma.$transaction(async (tx) => {
		await tx.$executeRaw`set local role anon`;
		return work(tx);
	}, TRANSACTION_OPTIONS);
}

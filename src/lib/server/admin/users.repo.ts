import type { UserSort } from '$lib/schemas/admin';
import type { UserTransaction } from '../db';
import { Prisma, type UserLimitOverride, type UserRole, type UserTier } from '../db/generated/client';

/**
 * Accounts as the admin console sees them: public.admin_user_directory (024), which answers only
 * to administrators. Every call runs inside asAdmin (withAdminPowers).
 */

export interface DirectoryRow {
	id: string;
	email: string;
	display_name: string | null;
	tier: string;
	role: string;
	is_disabled: boolean;
	created_at: Date;
	last_active_at: Date | null;
	default_model: string | null;
	month_requests: number;
	month_tokens: number;
	month_cost_usd: string;
	/** The sort column as text, for the next page's cursor. */
	sort_key: string;
}

/** Sort columns by name; never built from input text. Ties are broken by id. */
const SORT_EXPRESSIONS: Record<UserSort, { sql: Prisma.Sql; cast: Prisma.Sql }> = {
	email: { sql: Prisma.raw('lower(d.email)'), cast: Prisma.raw('text') },
	created: { sql: Prisma.raw('d.created_at'), cast: Prisma.raw('timestamptz') },
	lastActive: { sql: Prisma.raw(`coalesce(d.last_active_at, '-infinity'::timestamptz)`), cast: Prisma.raw('timestamptz') },
	monthRequests: { sql: Prisma.raw('d.month_requests'), cast: Prisma.raw('bigint') },
	monthTokens: { sql: Prisma.raw('d.month_tokens'), cast: Prisma.raw('bigint') },
	monthCost: { sql: Prisma.raw('d.month_cost_usd'), cast: Prisma.raw('numeric') }
};

const DIRECTORY_COLUMNS = Prisma.sql`d.id::text as id, d.email, d.display_name, d.tier::text as tier, d.role::text as role, d.is_disabled,
	d.created_at, d.last_active_at, d.default_model, d.month_requests::float8 as month_requests, d.month_tokens::float8 as month_tokens,
	d.month_cost_usd::text as month_cost_usd`;

export interface DirectoryQuery {
	search: string | null;
	sort: UserSort;
	direction: 'asc' | 'desc';
	after: { key: string; id: string } | null;
	limit: number;
}

function likePattern(search: string): string {
	return `%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/** One page in the chosen order, continuing after `after` (keyset paging: no offsets). */
export function directoryPage(tx: UserTransaction, query: DirectoryQuery): Promise<DirectoryRow[]> {
	const sort = SORT_EXPRESSIONS[query.sort];
	const descending = query.direction === 'desc';
	const direction = Prisma.raw(descending ? 'desc' : 'asc');
	const search = query.search ? Prisma.sql`and (d.email ilike ${likePattern(query.search)} or d.display_name ilike ${likePattern(query.search)})` : Prisma.empty;
	const after = query.after
		? descending
			? Prisma.sql`and (${sort.sql}, d.id) < (${query.after.key}::${sort.cast}, ${query.after.id}::uuid)`
			: Prisma.sql`and (${sort.sql}, d.id) > (${query.after.key}::${sort.cast}, ${query.after.id}::uuid)`
		: Prisma.empty;
	return tx.$queryRaw<DirectoryRow[]>`
		select ${DIRECTORY_COLUMNS}, (${sort.sql})::text as sort_key
		from public.admin_user_directory d
		where true ${search} ${after}
		order by ${sort.sql} ${direction}, d.id ${direction}
		limit ${query.limit}`;
}

export async function directoryRow(tx: UserTransaction, userId: string): Promise<DirectoryRow | null> {
	const rows = await tx.$queryRaw<DirectoryRow[]>`
		select ${DIRECTORY_COLUMNS}, '' as sort_key from public.admin_user_directory d where d.id = ${userId}::uuid`;
	return rows[0] ?? null;
}

/** The account's tier, role and status, locked until commit so concurrent edits apply in turn. */
export async function lockedAccountState(tx: UserTransaction, userId: string): Promise<{ tier: string; role: string; disabled: boolean; email: string } | null> {
	const rows = await tx.$queryRaw<{ tier: string; role: string; email: string }[]>`
		select tier::text as tier, role::text as role, email from public.profiles where id = ${userId}::uuid for update`;
	const profile = rows[0];
	if (!profile) return null;
	const status = await directoryRow(tx, userId);
	return { ...profile, disabled: status?.is_disabled ?? false };
}

export async function setProfileTierAndRole(tx: UserTransaction, userId: string, change: { tier?: UserTier; role?: UserRole }): Promise<void> {
	await tx.profile.update({ where: { id: userId }, data: change, select: { id: true } });
}

/** Through 023's function (auth.users is not granted to API roles); disabling ends the sessions. */
export async function setAccountDisabled(tx: UserTransaction, userId: string, disabled: boolean): Promise<void> {
	await tx.$queryRaw`select public.admin_set_user_disabled(${userId}::uuid, ${disabled})`;
}

export function limitOverride(tx: UserTransaction, userId: string): Promise<UserLimitOverride | null> {
	return tx.userLimitOverride.findUnique({ where: { userId } });
}

export function upsertLimitOverride(tx: UserTransaction, userId: string, data: Omit<Prisma.UserLimitOverrideUncheckedCreateInput, 'userId'>): Promise<UserLimitOverride> {
	return tx.userLimitOverride.upsert({ where: { userId }, create: { userId, ...data }, update: data });
}

export async function deleteLimitOverride(tx: UserTransaction, userId: string): Promise<void> {
	await tx.userLimitOverride.deleteMany({ where: { userId } });
}

export function recentErrors(tx: UserTransaction, userId: string, limit: number) {
	return tx.apiUsageLog.findMany({
		where: { userId, status: 'error' },
		orderBy: { createdAt: 'desc' },
		take: limit,
		select: { createdAt: true, endpoint: true, model: true, errorMessage: true }
	});
}

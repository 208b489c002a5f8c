import type { ListAuditInput } from '$lib/schemas/admin';
import type { UserTransaction } from '../db';
import type { Prisma } from '../db/generated/client';

/** Who made a change and from where, taken from the request. */
export interface AdminActor {
	id: string;
	email: string;
	ip: string | null;
	userAgent: string | null;
	requestId: string | null;
}

/** A target's fields as plain JSON (numbers as numbers, money and dates as strings). */
export type AuditSnapshot = Prisma.InputJsonObject;

export interface AdminChange {
	action: string;
	targetType: 'model' | 'tier' | 'user' | 'category' | 'document' | 'embedder';
	targetId: string;
	targetLabel: string | null;
	before: AuditSnapshot | null;
	after: AuditSnapshot | null;
}

/**
 * Writes the audit row for `change` inside the transaction that makes it, as the admin (row level
 * security checks the actor is the signed-in admin), so the row and the change commit together.
 */
export async function recordAdminChange(tx: UserTransaction, actor: AdminActor, change: AdminChange): Promise<void> {
	await tx.adminAuditLog.create({
		data: {
			actorId: actor.id,
			actorEmail: actor.email,
			action: change.action,
			targetType: change.targetType,
			targetId: change.targetId,
			targetLabel: change.targetLabel,
			before: change.before ?? undefined,
			after: change.after ?? undefined,
			ipAddress: actor.ip,
			userAgent: actor.userAgent?.slice(0, 500) ?? null,
			requestId: actor.requestId
		},
		select: { id: true }
	});
}

const auditSelect = {
	id: true,
	actorId: true,
	actorEmail: true,
	action: true,
	targetType: true,
	targetId: true,
	targetLabel: true,
	before: true,
	after: true,
	ipAddress: true,
	userAgent: true,
	createdAt: true
} as const;

export type AuditRow = Prisma.AdminAuditLogGetPayload<{ select: typeof auditSelect }>;

/** Newest first, filtered; `before` is the id to continue below (keyset paging). */
export function auditRows(tx: UserTransaction, filter: Omit<ListAuditInput, 'cursor' | 'limit'>, page: { beforeId: bigint | null; limit: number }): Promise<AuditRow[]> {
	const where: Prisma.AdminAuditLogWhereInput = {
		targetType: filter.targetType,
		targetId: filter.targetId,
		actorId: filter.actorId,
		...(filter.action ? (filter.action.includes('.') ? { action: filter.action } : { action: { startsWith: `${filter.action}.` } }) : {}),
		...(page.beforeId !== null ? { id: { lt: page.beforeId } } : {})
	};
	return tx.adminAuditLog.findMany({ where, select: auditSelect, orderBy: { id: 'desc' }, take: page.limit });
}

/** Whether the transaction's user is an admin now, as the database sees it (not as the session said). */
export async function actorIsAdmin(tx: UserTransaction): Promise<boolean> {
	const rows = await tx.$queryRaw<{ admin: boolean | null }[]>`select public.is_admin() as admin`;
	return rows[0]?.admin === true;
}

import type { AuditEntry, AuditPage } from '$lib/admin/types';
import type { ListAuditInput } from '$lib/schemas/admin';
import type { Database } from '../db';
import { asAdmin } from './admin-tx';
import { auditRows, type AdminActor, type AuditRow } from './audit.repo';

function toEntry(row: AuditRow): AuditEntry {
	return {
		id: row.id.toString(),
		at: row.createdAt,
		actorId: row.actorId,
		actorEmail: row.actorEmail,
		action: row.action,
		targetType: row.targetType,
		targetId: row.targetId,
		targetLabel: row.targetLabel,
		before: row.before,
		after: row.after,
		ip: row.ipAddress,
		userAgent: row.userAgent
	};
}

export async function listAudit(db: Database, actor: AdminActor, input: ListAuditInput): Promise<AuditPage> {
	const { cursor, limit, ...filter } = input;
	const rows = await asAdmin(db, actor, (tx) => auditRows(tx, filter, { beforeId: cursor ? BigInt(cursor) : null, limit: limit + 1 }));
	const page = rows.slice(0, limit);
	const last = page.at(-1);
	return { entries: page.map(toEntry), nextCursor: rows.length > limit && last ? last.id.toString() : null };
}

/** The whole filtered log, newest first, a page per short transaction: for CSV export. */
export async function* allAudit(db: Database, actor: AdminActor, filter: Omit<ListAuditInput, 'cursor' | 'limit'>): AsyncGenerator<AuditEntry> {
	let cursor: string | undefined;
	do {
		const page = await listAudit(db, actor, { ...filter, cursor, limit: 200 });
		yield* page.entries;
		cursor = page.nextCursor ?? undefined;
	} while (cursor);
}

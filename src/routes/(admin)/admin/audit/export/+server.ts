import { listAuditInput } from '$lib/schemas/admin';
import { allAudit } from '$lib/server/admin/audit.service';
import { adminActorOf } from '$lib/server/admin/request-actor';
import { getDatabase } from '$lib/server/db';
import { csvResponse } from '$lib/server/http/csv';
import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

const HEADER = ['at', 'actor_email', 'action', 'target_type', 'target_id', 'target_label', 'before', 'after', 'ip_address', 'user_agent'] as const;

/** The audit log as CSV with the filters shown, newest first, streamed a page at a time. */
export const GET: RequestHandler = async (event) => {
	const actor = adminActorOf(event);
	const params = event.url.searchParams;
	const parsed = listAuditInput.omit({ cursor: true, limit: true }).safeParse({
		targetType: params.get('targetType') || undefined,
		targetId: params.get('targetId') || undefined,
		actorId: params.get('actorId') || undefined,
		action: params.get('action') || undefined
	});
	if (!parsed.success) return error(400, 'Unknown filter for the audit export.');
	const filter = parsed.data;
	const db = await getDatabase();
	async function* rows() {
		for await (const entry of allAudit(db, actor, filter)) {
			yield [entry.at, entry.actorEmail, entry.action, entry.targetType, entry.targetId, entry.targetLabel ?? '', entry.before === null ? '' : JSON.stringify(entry.before), entry.after === null ? '' : JSON.stringify(entry.after), entry.ip ?? '', entry.userAgent ?? ''];
		}
	}
	return csvResponse(`airassist-audit-${new Date().toISOString().slice(0, 10)}.csv`, HEADER, rows());
};

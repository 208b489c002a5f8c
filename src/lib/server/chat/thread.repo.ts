import type { UserTransaction } from '../db';
import { messageSelect, toThreadMessage, type MessageRow } from './message-view';
import type { ThreadMessage } from '$lib/chat/types';

/**
 * Messages form a tree (006): each regenerated answer or edited question is a sibling of the
 * version it replaces. A "thread" is the path from the root to one leaf: what the chat shows.
 * All functions run inside asUser, so row level security scopes them to the caller.
 */

/** The newest message with no replies: the end of the most recently extended branch. */
export async function findNewestLeaf(tx: UserTransaction, sessionId: string): Promise<string | null> {
	const rows = await tx.$queryRaw<{ id: string }[]>`
		select m.id::text as id from public.messages m
		where m.session_id = ${sessionId}::uuid
		  and not exists (select 1 from public.messages c where c.parent_id = m.id)
		order by m.created_at desc, m.id desc
		limit 1`;
	return rows[0]?.id ?? null;
}

/** Ids from the root down to `leafId`, inclusive. */
export async function pathTo(tx: UserTransaction, leafId: string): Promise<string[]> {
	const rows = await tx.$queryRaw<{ id: string }[]>`
		with recursive path as (
			select id, parent_id, 0 as depth from public.messages where id = ${leafId}::uuid
			union all
			select m.id, m.parent_id, p.depth + 1 from public.messages m join path p on m.id = p.parent_id
		)
		select id::text as id from path order by depth desc`;
	return rows.map((row) => row.id);
}

/** From `messageId`, follow the newest reply at each step down to a leaf. */
export async function newestLeafBelow(tx: UserTransaction, messageId: string): Promise<string> {
	const rows = await tx.$queryRaw<{ id: string }[]>`
		with recursive down as (
			select id, 0 as depth from public.messages where id = ${messageId}::uuid
			union all
			select child.id, d.depth + 1
			from down d
			cross join lateral (
				select c.id from public.messages c where c.parent_id = d.id order by c.created_at desc, c.id desc limit 1
			) child
		)
		select id::text as id from down order by depth desc limit 1`;
	return rows[0]?.id ?? messageId;
}

/** The thread ending at `leafId` as ThreadMessages, each with its versions (siblings) for ‹ n/m ›. */
export async function loadThread(tx: UserTransaction, sessionId: string, leafId: string | null): Promise<ThreadMessage[]> {
	if (!leafId) return [];
	const ids = await pathTo(tx, leafId);
	if (ids.length === 0) return [];
	const rows = await tx.message.findMany({ where: { id: { in: ids } }, select: messageSelect });
	const byId = new Map(rows.map((row) => [row.id, row]));
	const parents = [...new Set(rows.map((row) => row.parentId).filter((id): id is string => id !== null))];
	const hasRoot = rows.some((row) => row.parentId === null);
	const family = await tx.message.findMany({
		where: { sessionId, OR: [{ parentId: { in: parents } }, ...(hasRoot ? [{ parentId: null }] : [])] },
		select: { id: true, parentId: true },
		orderBy: [{ createdAt: 'asc' }, { id: 'asc' }]
	});
	return ids
		.map((id) => byId.get(id))
		.filter((row): row is MessageRow => row !== undefined)
		.map((row) => {
			const siblingIds = family.filter((candidate) => candidate.parentId === row.parentId).map((candidate) => candidate.id);
			return toThreadMessage(row, { ids: siblingIds, index: Math.max(0, siblingIds.indexOf(row.id)) });
		});
}

export async function loadMessage(tx: UserTransaction, messageId: string): Promise<ThreadMessage | null> {
	const row = await tx.message.findUnique({ where: { id: messageId }, select: messageSelect });
	if (!row) return null;
	const siblings = await tx.message.findMany({
		where: { sessionId: row.sessionId, parentId: row.parentId },
		select: { id: true },
		orderBy: [{ createdAt: 'asc' }, { id: 'asc' }]
	});
	const ids = siblings.map((sibling) => sibling.id);
	return toThreadMessage(row, { ids, index: Math.max(0, ids.indexOf(row.id)) });
}

export interface PromptTurn {
	role: 'system' | 'user' | 'assistant';
	content: string;
	status: string;
}

/** Role, text and status from the root down to `leafId` in one query: all a prompt needs (no versions). */
export async function loadPromptHistory(tx: UserTransaction, leafId: string): Promise<PromptTurn[]> {
	const rows = await tx.$queryRaw<{ role: string; content: string; status: string }[]>`
		with recursive path as (
			select id, parent_id, role, content, status, 0 as depth from public.messages where id = ${leafId}::uuid
			union all
			select m.id, m.parent_id, m.role, m.content, m.status, p.depth + 1 from public.messages m join path p on m.id = p.parent_id
		)
		select role, content, status from path order by depth desc`;
	return rows.map((row) => ({ role: row.role === 'assistant' ? 'assistant' : row.role === 'system' ? 'system' : 'user', content: row.content, status: row.status }));
}

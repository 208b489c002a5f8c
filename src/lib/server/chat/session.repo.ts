import type { ChatSessionSummary } from '$lib/chat/types';
import type { UserTransaction } from '../db';
import { AppError } from '../errors';
import { sessionDetailSelect, sessionSummarySelect, toSessionSummary } from './session-view';

interface CursorKey {
	pinned: boolean;
	activity: string;
	id: string;
}

/** Cursors are opaque to clients: the sort key of the last row (timestamp as text, keeping microseconds), base64url-encoded. */
export function encodeCursor(key: CursorKey): string {
	return Buffer.from(JSON.stringify([key.pinned, key.activity, key.id])).toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
	try {
		const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
		if (Array.isArray(value) && typeof value[0] === 'boolean' && typeof value[1] === 'string' && typeof value[2] === 'string') {
			return { pinned: value[0], activity: value[1], id: value[2] };
		}
	} catch {
		// fall through to the error below
	}
	throw new AppError('BAD_REQUEST', 'That page cursor is not valid; start from the first page.', { field: 'cursor' });
}

function escapeLike(text: string): string {
	return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

export interface SessionPage {
	items: ChatSessionSummary[];
	nextCursor: string | null;
}

/**
 * The sidebar: pinned chats first, then by latest activity, keyset-paginated (stable while new
 * messages arrive). Search matches title words or fragments, and whole words in any message.
 */
export async function listSessions(
	tx: UserTransaction,
	options: { limit: number; cursor?: string | null; search?: string; archived: boolean }
): Promise<SessionPage> {
	const after = options.cursor ? decodeCursor(options.cursor) : null;
	const search = options.search?.trim() || null;
	const rows = await tx.$queryRaw<{ id: string; pinned: boolean; activity: string }[]>`
		select s.id::text as id, s.is_pinned as pinned, coalesce(s.last_message_at, s.created_at)::text as activity
		from public.chat_sessions s
		where s.is_archived = ${options.archived}
		  and (${after === null} or (s.is_pinned::int, coalesce(s.last_message_at, s.created_at), s.id)
		       < (${after?.pinned ? 1 : 0}::int, ${after?.activity ?? null}::timestamptz, ${after?.id ?? null}::uuid))
		  and (${search}::text is null
		       or s.title ilike '%' || ${search === null ? null : escapeLike(search)}::text || '%'
		       or exists (
		         select 1 from public.messages m
		         where m.session_id = s.id and to_tsvector('simple', m.content) @@ websearch_to_tsquery('simple', ${search}::text)))
		order by s.is_pinned desc, coalesce(s.last_message_at, s.created_at) desc, s.id desc
		limit ${options.limit + 1}`;
	const page = rows.slice(0, options.limit);
	const details = await tx.chatSession.findMany({ where: { id: { in: page.map((row) => row.id) } }, select: sessionSummarySelect });
	const byId = new Map(details.map((row) => [row.id, row]));
	const last = page.at(-1);
	return {
		items: page.flatMap((row) => {
			const detail = byId.get(row.id);
			return detail ? [toSessionSummary(detail)] : [];
		}),
		nextCursor: rows.length > options.limit && last ? encodeCursor({ pinned: last.pinned, activity: last.activity, id: last.id }) : null
	};
}

export function insertSession(tx: UserTransaction, data: { userId: string; title: string; model: string | null; autoTitle: boolean }) {
	return tx.chatSession.create({
		data: { userId: data.userId, title: data.title, model: data.model, metadata: { autoTitle: data.autoTitle } },
		select: sessionDetailSelect
	});
}

/** Updates one chat and reads it back; null when it is missing (or not the caller's). */
export async function updateSessionRow(tx: UserTransaction, id: string, data: { title?: string; isPinned?: boolean; isArchived?: boolean; metadata?: { autoTitle: boolean } }) {
	const { count } = await tx.chatSession.updateMany({ where: { id }, data });
	if (count === 0) return null;
	return tx.chatSession.findUniqueOrThrow({ where: { id }, select: sessionSummarySelect });
}

/** Ids of the chat's answers still being written. */
export async function answersInFlight(tx: UserTransaction, sessionId: string): Promise<string[]> {
	const rows = await tx.message.findMany({ where: { sessionId, status: { in: ['pending', 'streaming'] } }, select: { id: true } });
	return rows.map((row) => row.id);
}

/** Deletes a chat with its messages and shares (foreign keys cascade); false when there was none. */
export async function deleteSessionRow(tx: UserTransaction, id: string): Promise<boolean> {
	const { count } = await tx.chatSession.deleteMany({ where: { id } });
	return count > 0;
}

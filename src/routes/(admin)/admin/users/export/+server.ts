import { listUsersInput } from '$lib/schemas/admin';
import { adminActorOf } from '$lib/server/admin/request-actor';
import { allUsers } from '$lib/server/admin/users.service';
import { getDatabase } from '$lib/server/db';
import { csvResponse } from '$lib/server/http/csv';
import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

const HEADER = ['email', 'name', 'tier', 'role', 'status', 'created_at', 'last_active_at', 'month_requests', 'month_tokens', 'month_cost_usd'] as const;

/** The users table as CSV, in the order and search shown, streamed a page at a time. */
export const GET: RequestHandler = async (event) => {
	const actor = adminActorOf(event);
	const params = event.url.searchParams;
	const parsed = listUsersInput.omit({ cursor: true, limit: true }).safeParse({
		search: params.get('search') ?? undefined,
		sort: params.get('sort') ?? undefined,
		direction: params.get('direction') ?? undefined
	});
	if (!parsed.success) return error(400, 'Unknown sort or search for the users export.');
	const filter = parsed.data;
	const db = await getDatabase();
	async function* rows() {
		for await (const user of allUsers(db, actor, filter)) {
			yield [user.email, user.displayName ?? '', user.tier, user.role, user.disabled ? 'disabled' : 'active', user.createdAt, user.lastActiveAt ?? '', user.monthRequests, user.monthTokens, user.monthCostUsd];
		}
	}
	return csvResponse(`airassist-users-${new Date().toISOString().slice(0, 10)}.csv`, HEADER, rows());
};

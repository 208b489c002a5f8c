import { listUsersInput } from '$lib/schemas/admin';
import { adminActorOf } from '$lib/server/admin/request-actor';
import { listUsers } from '$lib/server/admin/users.service';
import { getDatabase } from '$lib/server/db';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const params = event.url.searchParams;
	// A hand-edited address falls back to the defaults rather than failing.
	const parsed = listUsersInput.safeParse({ search: params.get('search') || undefined, sort: params.get('sort') || undefined, direction: params.get('direction') || undefined });
	const query = parsed.success ? parsed.data : listUsersInput.parse({});
	return { query: { search: query.search ?? '', sort: query.sort, direction: query.direction }, page: await listUsers(await getDatabase(), adminActorOf(event), query) };
};

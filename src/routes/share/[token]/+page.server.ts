import { error } from '@sveltejs/kit';
import { getSharedChat } from '$lib/server/chat/share.service';
import { getDatabase } from '$lib/server/db';
import type { PageServerLoad } from './$types';

/** A read-only snapshot anyone with the link may read; unknown and revoked links are 404s alike. */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
	const shared = await getSharedChat(await getDatabase(), params.token);
	if (!shared) error(404, 'This shared chat does not exist or is no longer shared');
	// A revoked link must stop working at once, so nothing in between may keep a copy.
	setHeaders({ 'cache-control': 'no-store', 'x-robots-tag': 'noindex' });
	return { shared };
};

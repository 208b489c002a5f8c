import { getDatabase } from '$lib/server/db';
import { listKnowledgeEmbedders } from '$lib/server/knowledge/embedders.service';
import { appServices } from '$lib/server/trpc/context';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ parent }) => {
	const { user } = await parent();
	return { overview: await listKnowledgeEmbedders({ db: await getDatabase(), services: appServices() }, user.id) };
};

import { error } from '@sveltejs/kit';
import { getDatabase } from '$lib/server/db';
import { AppError } from '$lib/server/errors';
import { getKnowledgeDocument } from '$lib/server/knowledge/documents.service';
import { appServices } from '$lib/server/trpc/context';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ parent, params }) => {
	const { user } = await parent();
	if (!/^[0-9a-f-]{36}$/i.test(params.id)) error(404, 'That document does not exist.');
	try {
		return { document: await getKnowledgeDocument({ db: await getDatabase(), services: appServices() }, user, params.id) };
	} catch (cause) {
		if (cause instanceof AppError && cause.code === 'NOT_FOUND') error(404, cause.message);
		throw cause;
	}
};

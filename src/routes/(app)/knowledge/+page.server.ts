import { getDatabase } from '$lib/server/db';
import { listKnowledgeCategories } from '$lib/server/knowledge/categories.service';
import { listKnowledgeDocuments } from '$lib/server/knowledge/documents.service';
import { appServices } from '$lib/server/trpc/context';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ parent }) => {
	const { user } = await parent();
	const db = await getDatabase();
	const [documents, categories] = await Promise.all([listKnowledgeDocuments({ db, services: appServices() }, user), listKnowledgeCategories(db, user.id)]);
	return { documents, categories, isAdmin: user.role === 'admin' };
};

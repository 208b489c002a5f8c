import { listModels } from '$lib/server/admin/models.service';
import { adminActorOf } from '$lib/server/admin/request-actor';
import { listTiers } from '$lib/server/admin/tiers.service';
import { getDatabase } from '$lib/server/db';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const db = await getDatabase();
	const actor = adminActorOf(event);
	const models = await listModels(db, actor);
	return {
		tiers: await listTiers(db, actor),
		chatModels: models.filter((model) => model.modelType === 'chat').map((model) => ({ modelName: model.modelName, displayName: model.displayName, isActive: model.isActive, allowedTiers: model.allowedTiers }))
	};
};

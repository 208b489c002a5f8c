import { error } from '@sveltejs/kit';
import { listModels } from '$lib/server/admin/models.service';
import { adminActorOf } from '$lib/server/admin/request-actor';
import { userDetail } from '$lib/server/admin/users.service';
import { getDatabase } from '$lib/server/db';
import { AppError } from '$lib/server/errors';
import type { PageServerLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const load: PageServerLoad = async (event) => {
	if (!UUID.test(event.params.id)) error(404, 'There is no such account.');
	const db = await getDatabase();
	const actor = adminActorOf(event);
	try {
		const [detail, models] = await Promise.all([userDetail(db, actor, event.params.id), listModels(db, actor)]);
		return {
			detail,
			chatModels: models.filter((model) => model.modelType === 'chat').map((model) => ({ modelName: model.modelName, displayName: model.displayName })),
			self: actor.id === event.params.id
		};
	} catch (cause) {
		if (cause instanceof AppError && cause.code === 'NOT_FOUND') error(404, cause.message);
		throw cause;
	}
};

import { listModels } from '$lib/server/admin/models.service';
import { adminActorOf } from '$lib/server/admin/request-actor';
import { getDatabase } from '$lib/server/db';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => ({ models: await listModels(await getDatabase(), adminActorOf(event)) });

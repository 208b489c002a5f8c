import { getDatabase } from '$lib/server/db';
import { usageSummary } from '$lib/server/usage/usage.service';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ parent }) => {
	const { user } = await parent();
	return { usage: await usageSummary(await getDatabase(), user.id) };
};

import { parseRange, SYSTEM_RANGES } from '$lib/schemas/admin-analytics';
import { systemMetrics } from '$lib/server/admin/system.service';
import { getDatabase } from '$lib/server/db';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ parent, url }) => {
	const { user } = await parent();
	const range = parseRange(url.searchParams.get('range'), SYSTEM_RANGES, '24h');
	return { range, metrics: systemMetrics(await getDatabase(), user.id, range, Date.now()) };
};

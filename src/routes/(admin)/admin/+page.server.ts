import { ANALYTICS_RANGES, parseRange } from '$lib/schemas/admin-analytics';
import { byModel, byTier, overview, recentErrors, timeseries, topUsers } from '$lib/server/admin/analytics.service';
import { getDatabase } from '$lib/server/db';
import type { PageServerLoad } from './$types';

/**
 * The figures are streamed: the page renders at once with its range picker and placeholders,
 * and each section fills in as its query answers.
 */
export const load: PageServerLoad = async ({ parent, url }) => {
	// The layout guards the console; awaiting it makes sure no query runs before that check.
	const { user } = await parent();
	const range = parseRange(url.searchParams.get('range'), ANALYTICS_RANGES, '7d');
	const db = await getDatabase();
	const now = Date.now();
	return {
		range,
		overview: overview(db, user.id, range, now),
		timeseries: timeseries(db, user.id, range, now),
		byModel: byModel(db, user.id, range, now),
		byTier: byTier(db, user.id, range, now),
		topUsers: topUsers(db, user.id, range, now),
		errors: recentErrors(db, user.id, range, now)
	};
};

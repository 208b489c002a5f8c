import { analyticsRangeInput } from '$lib/schemas/admin-analytics';
import { byModel, byTier, overview, recentErrors, timeseries, topUsers } from '../../../admin/analytics.service';
import { router } from '../../init';
import { adminProcedure } from '../../procedures';

/** The usage dashboards, over the last 24 hours or 7 / 30 / 90 days; every figure comes from the rollups. */
export const adminAnalyticsRouter = router({
	/** Totals: requests by outcome, tokens, cost, error rate, answer latency and TTFT percentiles, active users. */
	overview: adminProcedure.input(analyticsRangeInput).query(({ ctx, input }) => overview(ctx.db, ctx.user.id, input.range, ctx.services.clock.now())),
	/** Per hour (24 h) or day: the same figures, plus latency and TTFT percentiles per model. */
	timeseries: adminProcedure.input(analyticsRangeInput).query(({ ctx, input }) => timeseries(ctx.db, ctx.user.id, input.range, ctx.services.clock.now())),
	byModel: adminProcedure.input(analyticsRangeInput).query(({ ctx, input }) => byModel(ctx.db, ctx.user.id, input.range, ctx.services.clock.now())),
	/** By each user's current tier. */
	byTier: adminProcedure.input(analyticsRangeInput).query(({ ctx, input }) => byTier(ctx.db, ctx.user.id, input.range, ctx.services.clock.now())),
	topUsers: adminProcedure.input(analyticsRangeInput).query(({ ctx, input }) => topUsers(ctx.db, ctx.user.id, input.range, ctx.services.clock.now())),
	/** How many calls failed, and the latest of them with their text. */
	errors: adminProcedure.input(analyticsRangeInput).query(({ ctx, input }) => recentErrors(ctx.db, ctx.user.id, input.range, ctx.services.clock.now()))
});

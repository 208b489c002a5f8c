import { systemRangeInput } from '$lib/schemas/admin-analytics';
import { systemMetrics } from '../../../admin/system.service';
import { router } from '../../init';
import { adminProcedure } from '../../procedures';

export const adminSystemRouter = router({
	/** The sampled system metrics over the last hour, day or week, their latest values, and a health check. */
	metrics: adminProcedure.input(systemRangeInput).query(({ ctx, input }) => systemMetrics(ctx.db, ctx.user.id, input.range, ctx.services.clock.now()))
});

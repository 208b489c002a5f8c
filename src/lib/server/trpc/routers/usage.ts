import { usageSummary } from '../../usage/usage.service';
import { router } from '../init';
import { authedProcedure } from '../procedures';

export const usageRouter = router({
	/** The caller's tier and limits (used, remaining, reset time), this month's totals, 30 days of history, the next tier. */
	me: authedProcedure.query(({ ctx }) => usageSummary(ctx.db, ctx.user.id))
});

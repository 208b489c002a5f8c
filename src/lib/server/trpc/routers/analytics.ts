import { trackEventInput } from '$lib/schemas/analytics';
import { trackClientEvent } from '../../analytics/track';
import { router } from '../init';
import { publicProcedure } from '../procedures';

export const analyticsRouter = router({
	/** Records one allow-listed client event (page_view); signed out callers are counted per address. */
	track: publicProcedure
		.input(trackEventInput)
		.mutation(({ ctx, input }) => trackClientEvent(ctx.db, { userId: ctx.user?.id ?? null, ip: ctx.request.ip, userAgent: ctx.request.userAgent }, input))
});

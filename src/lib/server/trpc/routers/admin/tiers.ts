import { updateTierInput } from '$lib/schemas/admin';
import { listTiers, updateTier } from '../../../admin/tiers.service';
import { router } from '../../init';
import { adminProcedure } from '../../procedures';

export const adminTiersRouter = router({
	list: adminProcedure.query(({ ctx }) => listTiers(ctx.db, ctx.actor)),
	update: adminProcedure.input(updateTierInput).mutation(({ ctx, input }) => updateTier(ctx.db, ctx.actor, input))
});

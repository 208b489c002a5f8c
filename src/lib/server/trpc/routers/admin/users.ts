import { listUsersInput, setOverridesInput, updateUserInput, userIdInput } from '$lib/schemas/admin';
import { listUsers, setOverrides, updateUser, userDetail } from '../../../admin/users.service';
import { router } from '../../init';
import { adminProcedure } from '../../procedures';

export const adminUsersRouter = router({
	/** Search, sort and keyset paging, with this month's requests, tokens and cost. */
	list: adminProcedure.input(listUsersInput).query(({ ctx, input }) => listUsers(ctx.db, ctx.actor, input)),
	get: adminProcedure.input(userIdInput).query(({ ctx, input }) => userDetail(ctx.db, ctx.actor, input.id)),
	/** Tier, role, disabled (which ends the account's sessions). The last admin can't be removed. */
	update: adminProcedure.input(updateUserInput).mutation(({ ctx, input }) => updateUser(ctx.db, ctx.actor, input)),
	setOverrides: adminProcedure.input(setOverridesInput).mutation(({ ctx, input }) => setOverrides(ctx.db, ctx.actor, input))
});

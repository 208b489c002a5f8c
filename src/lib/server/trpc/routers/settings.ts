import { updateSettingsInput } from '$lib/schemas/account';
import { getSettings, updateSettings } from '../../account/settings.service';
import { router } from '../init';
import { authedProcedure } from '../procedures';

export const settingsRouter = router({
	/** The caller's preferences and the chat models their tier may choose from. */
	get: authedProcedure.query(({ ctx }) => getSettings(ctx.db, ctx.user.id)),
	update: authedProcedure.input(updateSettingsInput).mutation(({ ctx, input }) => updateSettings(ctx.db, ctx.user.id, input))
});

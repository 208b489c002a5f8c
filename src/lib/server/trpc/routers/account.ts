import { changePasswordInput, deleteAccountInput } from '$lib/schemas/auth';
import { apiTokenIdInput, createApiTokenInput, signInSessionIdInput, updateProfileInput } from '$lib/schemas/account';
import { deleteAccount, getProfile, listSessions, revokeOtherSessions, revokeSession, updateProfile } from '../../account/account.service';
import { createApiToken, listApiTokens, revokeApiToken } from '../../auth/api-token.service';
import { changePassword } from '../../auth/auth.service';
import { asUser } from '../../db';
import { router } from '../init';
import { authedProcedure } from '../procedures';

/** The cookie session's id, if the caller is a browser (API-token callers have none to keep). */
const cookieSessionId = (session: { via: string; id: string }) => (session.via === 'cookie' ? session.id : null);

export const accountRouter = router({
	profile: router({
		get: authedProcedure.query(({ ctx }) => getProfile(ctx.db, ctx.user.id)),
		update: authedProcedure.input(updateProfileInput).mutation(({ ctx, input }) => updateProfile(ctx.db, ctx.user.id, input))
	}),

	/** Changes the password and signs out every other session. */
	changePassword: authedProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
		await changePassword(ctx.db, ctx.user.id, cookieSessionId(ctx.session), input);
		return { changed: true };
	}),

	sessions: router({
		list: authedProcedure.query(({ ctx }) => listSessions(ctx.db, ctx.user.id, cookieSessionId(ctx.session))),
		revoke: authedProcedure.input(signInSessionIdInput).mutation(async ({ ctx, input }) => {
			await revokeSession(ctx.db, ctx.user.id, input.id);
			if (input.id === cookieSessionId(ctx.session)) ctx.cookies?.clear();
			return { revoked: true };
		}),
		revokeOthers: authedProcedure.mutation(async ({ ctx }) => ({ revoked: await revokeOtherSessions(ctx.db, ctx.user.id, cookieSessionId(ctx.session)) }))
	}),

	apiTokens: router({
		list: authedProcedure.query(({ ctx }) => asUser(ctx.db, ctx.user.id, listApiTokens)),
		/** The full token is in this response only; afterwards only its prefix is shown. */
		create: authedProcedure.input(createApiTokenInput).mutation(({ ctx, input }) => asUser(ctx.db, ctx.user.id, (tx) => createApiToken(tx, ctx.user.id, input))),
		revoke: authedProcedure.input(apiTokenIdInput).mutation(async ({ ctx, input }) => {
			await asUser(ctx.db, ctx.user.id, (tx) => revokeApiToken(tx, input.id));
			return { revoked: true };
		})
	}),

	/** Deletes the account and all of its data; asks for the password again. */
	delete: authedProcedure.input(deleteAccountInput).mutation(async ({ ctx, input }) => {
		await deleteAccount(ctx.db, ctx.user.id, input.password);
		ctx.cookies?.clear();
		return { deleted: true };
	})
});

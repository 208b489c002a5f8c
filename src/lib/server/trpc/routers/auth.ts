import { signInInput, signUpInput } from '$lib/schemas/auth';
import { signIn, signOut, signUp } from '../../auth/auth.service';
import { authThrottlePolicy } from '../../auth/throttle-policy';
import { router } from '../init';
import { publicProcedure } from '../procedures';

export const authRouter = router({
	/** Creates the account, signs it in (session cookie) and returns who it is. */
	signUp: publicProcedure.input(signUpInput).mutation(async ({ ctx, input }) => {
		const { user, session } = await signUp(ctx.db, input, ctx.request, authThrottlePolicy());
		ctx.cookies?.set(session.token, session.expiresAt);
		return { user };
	}),

	signIn: publicProcedure.input(signInInput).mutation(async ({ ctx, input }) => {
		const { user, session } = await signIn(ctx.db, input, ctx.request);
		ctx.cookies?.set(session.token, session.expiresAt);
		return { user };
	}),

	/** Ends the current browser session (API tokens are revoked under account.apiTokens). */
	signOut: publicProcedure.mutation(async ({ ctx }) => {
		await signOut(ctx.db, ctx.user, ctx.session, ctx.request);
		ctx.cookies?.clear();
		return { signedOut: true };
	}),

	/** The signed-in user, or null. */
	me: publicProcedure.query(({ ctx }) => ctx.user)
});

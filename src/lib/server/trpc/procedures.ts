import { AppError } from '../errors';
import { baseProcedure, middleware } from './init';

/** Anyone may call it. */
export const publicProcedure = baseProcedure;

/** A signed-in caller (session cookie or API token); inside, `ctx.user` and `ctx.session` are non-null. */
export const authedProcedure = publicProcedure.use(
	middleware(({ ctx, next }) => {
		if (!ctx.user || !ctx.session) throw new AppError('UNAUTHORIZED', 'Sign in to continue.');
		return next({ ctx: { user: ctx.user, session: ctx.session } });
	})
);

/**
 * An administrator. The database checks again: admin queries run through `withAdminPowers`, where
 * the policies call is_admin() in SQL. Outside it (every other procedure) an administrator has no
 * more rights than anyone else.
 */
export const adminProcedure = authedProcedure.use(
	middleware(({ ctx, next }) => {
		if (ctx.user?.role !== 'admin') throw new AppError('FORBIDDEN', 'Only administrators can do that.');
		return next();
	})
);

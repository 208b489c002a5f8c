import type { AdminActor } from '../admin/audit.repo';
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
 * An administrator. Anyone else, signed in or not, is FORBIDDEN: the admin API doesn't invite
 * strangers to sign in. The database checks again: admin queries run through `withAdminPowers`
 * (admin/admin-tx.ts), where the policies call is_admin() in SQL. Outside it (every other
 * procedure) an administrator has no more rights than anyone else (migration 040).
 */
export const adminProcedure = publicProcedure.use(
	middleware(({ ctx, next }) => {
		if (!ctx.user || !ctx.session || ctx.user.role !== 'admin') throw new AppError('FORBIDDEN', 'Only administrators can do that.');
		// Who is acting and from where, for the audit row every admin change writes.
		const actor: AdminActor = { id: ctx.user.id, email: ctx.user.email, ip: ctx.request.ip, userAgent: ctx.request.userAgent, requestId: ctx.request.requestId };
		return next({ ctx: { user: ctx.user, session: ctx.session, actor } });
	})
);

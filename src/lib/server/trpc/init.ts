import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { z, ZodError } from 'zod';
import { AppError } from '../errors';
import type { Context } from './context';

export type FieldErrors = Record<string, string[] | undefined>;

/** Messages of unexpected errors can carry SQL or internals; clients get this instead. */
export const INTERNAL_MESSAGE = 'Something went wrong on our side. Please try again; if it keeps happening, report the request id.';

const t = initTRPC.context<Context>().create({
	transformer: superjson,
	// Stack traces stay in the server log, never in responses.
	isDev: false,
	sse: {
		ping: { enabled: true, intervalMs: 10_000 },
		client: { reconnectAfterInactivityMs: 20_000 }
	},
	errorFormatter({ shape, error }) {
		const fieldErrors: FieldErrors | null = error.cause instanceof ZodError ? z.flattenError(error.cause).fieldErrors : null;
		const safeMessage = error.code === 'INTERNAL_SERVER_ERROR' && !(error.cause instanceof AppError) ? INTERNAL_MESSAGE : shape.message;
		return { ...shape, message: safeMessage, data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, fieldErrors } };
	}
});

export const router = t.router;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;
export const baseProcedure = t.procedure;
export { TRPCError };

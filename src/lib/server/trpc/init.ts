import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { z, ZodError } from 'zod';
import { AppError, type AppErrorCode } from '../errors';
import { clientErrorOf } from './client-error';
import type { Context } from './context';

export type FieldErrors = Record<string, string[] | undefined>;

type TrpcCode = TRPCError['code'];

const TRPC_CODE_OF: Record<AppErrorCode, TrpcCode> = {
	CONFIG_INVALID: 'INTERNAL_SERVER_ERROR',
	DATABASE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
	DATABASE_UNSUPPORTED: 'INTERNAL_SERVER_ERROR',
	MIGRATION_FAILED: 'INTERNAL_SERVER_ERROR',
	MIGRATION_TAMPERED: 'INTERNAL_SERVER_ERROR',
	BAD_REQUEST: 'BAD_REQUEST',
	UNAUTHORIZED: 'UNAUTHORIZED',
	FORBIDDEN: 'FORBIDDEN',
	NOT_FOUND: 'NOT_FOUND',
	CONFLICT: 'CONFLICT',
	PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
	TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS'
};

function appErrorOf(error: TRPCError): AppError | null {
	return error.cause instanceof AppError ? error.cause : null;
}

const t = initTRPC.context<Context>().create({
	transformer: superjson,
	// Stack traces stay in the server log, never in responses.
	isDev: false,
	sse: {
		ping: { enabled: true, intervalMs: 10_000 },
		client: { reconnectAfterInactivityMs: 20_000 }
	},
	errorFormatter({ shape, error }) {
		const appError = appErrorOf(error);
		let fieldErrors: FieldErrors | null = error.cause instanceof ZodError ? z.flattenError(error.cause).fieldErrors : null;
		if (appError?.field) fieldErrors = { ...fieldErrors, [appError.field]: [appError.message] };
		const client = clientErrorOf(error, appError ? TRPC_CODE_OF[appError.code] : null);
		return {
			...shape,
			code: client.rpcCode,
			message: client.message,
			data: {
				code: client.code,
				httpStatus: client.httpStatus,
				path: shape.data.path,
				fieldErrors,
				retryAfterSeconds: appError?.retryAfterSeconds ?? null,
				quota: appError?.quota ?? null
			}
		};
	}
});

/** Services throw AppError; at the edge it becomes the matching tRPC code with the same safe message. */
const mapAppErrors = t.middleware(async ({ next }) => {
	const result = await next();
	if (!result.ok) {
		const appError = appErrorOf(result.error);
		if (appError) throw new TRPCError({ code: TRPC_CODE_OF[appError.code], message: appError.message, cause: appError });
	}
	return result;
});

export const router = t.router;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;
export const baseProcedure = t.procedure.use(mapAppErrors);
export { TRPCError };

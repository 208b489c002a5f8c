import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_NUMBER } from '@trpc/server/rpc';
import { ZodError } from 'zod';
import { MAX_MESSAGE_BYTES } from '$lib/schemas/chat';
import { AppError } from '../errors';

type TrpcCode = TRPCError['code'];

/** Messages of unexpected errors can carry SQL or internals; clients get this instead. */
export const INTERNAL_MESSAGE = 'Something went wrong on our side. Please try again; if it keeps happening, report the request id.';

export const UNREADABLE_MESSAGE = 'The request could not be read: send JSON in the tRPC format, serialised with superjson.';

export const TOO_LARGE_MESSAGE = `The request is larger than this server accepts; a message can be at most ${MAX_MESSAGE_BYTES / 1000} KB. Send long texts in parts.`;

/** What a client is told about a failure: a stable code, its HTTP status and a short sentence for people. */
export interface ClientError {
	code: TrpcCode;
	/** The JSON-RPC number tRPC clients read alongside `code`. */
	rpcCode: TRPC_ERROR_CODE_NUMBER;
	httpStatus: number;
	message: string;
}

/**
 * Only three kinds of message reach clients: an AppError's (written for people), a summary of the
 * input's first problem, and tRPC's own sentences about the request. Everything else, such as a
 * JavaScript message from decoding a hostile body ("Cannot destructure property…", "Maximum call
 * stack size exceeded", superjson's "unknown class"), is replaced by a fixed sentence; the cause stays in the log.
 *
 * `mappedCode` is the code the AppError maps to, when the error is one: errors raised while a
 * subscription streams bypass the middleware that maps them.
 */
export function clientErrorOf(error: TRPCError, mappedCode: TrpcCode | null): ClientError {
	const { cause } = error;
	if (cause instanceof AppError) return describe(mappedCode ?? error.code, cause.message);
	if (cause instanceof ZodError) return describe('BAD_REQUEST', summarizeIssues(cause));
	if (isBodyTooLarge(cause)) return describe('PAYLOAD_TOO_LARGE', TOO_LARGE_MESSAGE);
	if (error.code === 'INTERNAL_SERVER_ERROR') return describe(error.code, INTERNAL_MESSAGE);
	// tRPC's own refusals (unknown procedure, wrong method, batching rules) have no cause and speak to clients.
	if (cause === undefined) return describe(error.code, error.message);
	if (error.code === 'BAD_REQUEST' || error.code === 'PARSE_ERROR') return describe(error.code, UNREADABLE_MESSAGE);
	return describe(error.code, INTERNAL_MESSAGE);
}

function describe(code: TrpcCode, message: string): ClientError {
	return { code, rpcCode: TRPC_ERROR_CODES_BY_KEY[code], httpStatus: getHTTPStatusCodeFromError(new TRPCError({ code })), message };
}

/** "content: Write a message first", not zod's pretty-printed JSON of every issue. */
function summarizeIssues(error: ZodError): string {
	const [first, ...rest] = error.issues;
	if (!first) return 'The input is not valid.';
	const where = first.path.length > 0 ? `${first.path.slice(0, 3).map(String).join('.')}: ` : '';
	const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})` : '';
	return `${where}${first.message}${more}`;
}

/** SvelteKit's node adapter refuses bodies over BODY_SIZE_LIMIT with a 413 error, which tRPC wraps as a bad request. */
function isBodyTooLarge(cause: unknown): boolean {
	return cause instanceof Error && 'status' in cause && cause.status === 413;
}

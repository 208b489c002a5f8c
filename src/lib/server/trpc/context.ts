import type { RequestEvent } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { getDatabase, type Database } from '../db';
import { errorMessage } from '../errors';

export interface RequestInfo {
	requestId: string;
	ip: string | null;
	userAgent: string | null;
}

/** Everything a procedure may use. Built from parts so tests can call handlers without HTTP. */
export interface Context {
	db: Database;
	request: RequestInfo;
}

export function createInnerContext(parts: { db: Database; request?: Partial<RequestInfo> }): Context {
	return {
		db: parts.db,
		request: { requestId: parts.request?.requestId ?? crypto.randomUUID(), ip: parts.request?.ip ?? null, userAgent: parts.request?.userAgent ?? null }
	};
}

export async function createRequestContext(event: RequestEvent): Promise<Context> {
	let db: Database;
	try {
		db = await getDatabase();
	} catch (cause) {
		throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: `The database is unavailable: ${errorMessage(cause)}`, cause });
	}
	return createInnerContext({
		db,
		request: { requestId: event.locals.requestId, ip: clientAddress(event), userAgent: event.request.headers.get('user-agent') }
	});
}

function clientAddress(event: RequestEvent): string | null {
	try {
		return event.getClientAddress();
	} catch {
		return null; // not available when a page is rendered during build or in some test harnesses
	}
}

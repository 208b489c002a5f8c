import { describe, expect, it } from 'vitest';
import { inspectResponse, type InspectOptions } from '../support/fuzz/inspect';
import type { WireResponse } from '../support/fuzz/wire';

/** The fuzz suite's judge must be able to fail: each kind of bad answer it exists to catch is caught. */

const json = (status: number, body: unknown): WireResponse => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), transportError: null, sse: false });
const trpcError = (message: string, code = 'BAD_REQUEST', httpStatus = 400) => ({ error: { json: { message, code: -32600, data: { code, httpStatus } } } });
const options: InspectOptions = { echoes: [], secrets: ['victim-secret-x1'] };
const kinds = (response: WireResponse, extra: Partial<InspectOptions> = {}) => inspectResponse(response, { ...options, ...extra }).map((finding) => finding.kind);

describe('fuzz response inspection', () => {
	it('passes a short human refusal and a plain result', () => {
		expect(kinds(json(400, trpcError('id: Not a valid id')))).toEqual([]);
		expect(kinds(json(200, { result: { data: { json: { title: 'Error: in my own title' } } } }))).toEqual([]);
	});

	it('flags a 5xx status, and an internal error inside a 200 batch or an SSE stream', () => {
		expect(kinds(json(500, trpcError('Something went wrong', 'INTERNAL_SERVER_ERROR', 500)))).toContain('5xx');
		expect(kinds(json(207, [{ result: { data: { json: 1 } } }, trpcError('x', 'INTERNAL_SERVER_ERROR', 500)]))).toContain('5xx');
		const sse: WireResponse = {
			status: 200,
			headers: { 'content-type': 'text/event-stream' },
			body: `event: connected\ndata: {}\n\nevent: serialized-error\ndata: ${JSON.stringify({ json: { message: 'x', code: -32603, data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 } } })}\n\n`,
			transportError: null,
			sse: true
		};
		expect(kinds(sse)).toContain('5xx');
	});

	it('flags JavaScript, Postgres and stack internals in a message, but not the caller’s own words echoed back', () => {
		for (const message of [
			"Cannot destructure property 'json' of 'undefined'",
			'Maximum call stack size exceeded',
			'invalid input syntax for type uuid: "abc"',
			'TypeError: x is not a function',
			'duplicate key value violates unique constraint "users_email_key"',
			'error 22021 in statement',
			'Invalid `prisma.chatSession.findUnique()` invocation'
		]) {
			expect(kinds(json(400, trpcError(message))), message).toContain('leak');
		}
		expect(kinds(json(400, trpcError('Unrecognized key: "Error: boom"')), { echoes: ['Error: boom'] })).toEqual([]);
		expect(kinds(json(200, { result: { data: { json: '\n    at handler (/srv/app/build/server/index.js:10:5)' } } }))).toContain('leak');
	});

	it('flags another user’s data, and a missing answer unless the request may be cut', () => {
		expect(kinds(json(200, { result: { data: { json: { title: 'Chat victim-secret-x1' } } } }))).toEqual(['secret']);
		const dropped: WireResponse = { status: null, headers: {}, body: '', transportError: 'read ECONNRESET', sse: false };
		expect(kinds(dropped)).toEqual(['no-response']);
		expect(kinds(dropped, { mayDrop: true })).toEqual([]);
	});
});

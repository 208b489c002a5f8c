import path from 'node:path';
import { INTERNAL_MESSAGE } from '../../../src/lib/server/trpc/client-error';
import { sseEvents, type WireResponse } from './wire';

/** What is wrong with one response. */
export interface Finding {
	kind: '5xx' | 'leak' | 'secret' | 'no-response';
	detail: string;
}

const ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * Signs of internals in a message meant for people: stack frames, JavaScript and library error
 * texts, Postgres wording and SQLSTATE codes, source paths.
 */
const INTERNAL_IN_MESSAGE: readonly RegExp[] = [
	/^\s*at\s/m,
	/\bat (?:async )?[\w$.<>[\]]+ \(/,
	/\b\w*Error:/,
	/Cannot (?:destructure|read|set|convert|access)/,
	/Maximum call stack/,
	/invalid input syntax/i,
	/\bis not (?:a function|defined|iterable|valid JSON)/,
	/Unexpected (?:token|end of JSON|non-whitespace)/,
	/\b(?:relation|column|constraint|function) "/,
	/violates|duplicate key|SQLSTATE|syntax error at/i,
	/\b(?:0[89]|2[0-9]|3[DF]|4[02]|5[3-8]|XX|P0)[0-9][0-9A-Z]{2}\b/,
	/\b(?:prisma|pglite|node-postgres|zod)\b/i,
	/node_modules|file:\/\/|\.(?:ts|js|mjs):\d+/,
	/\[object Object\]|undefined is not/
];

/** Signs of internals anywhere in a body, even one that echoes what the caller sent. */
const INTERNAL_IN_BODY: readonly RegExp[] = [/\n\s+at .+:\d+:\d+/, /\(\/[\w./-]+:\d+:\d+\)/, new RegExp(ROOT.replaceAll('/', '\\/')), /node_modules\//, /"stack"\s*:/];

interface ErrorItem {
	message: unknown;
	code: unknown;
	data?: { httpStatus?: unknown; code?: unknown };
}

function isErrorItem(value: unknown): value is ErrorItem {
	return typeof value === 'object' && value !== null && 'message' in value;
}

/** tRPC error payloads in a body: one response, a batch, or the error events of an SSE stream. */
function errorItems(response: WireResponse): { items: ErrorItem[]; parsed: boolean } {
	const items: ErrorItem[] = [];
	const take = (value: unknown) => {
		if (typeof value !== 'object' || value === null) return;
		const error = 'error' in value ? value.error : null;
		if (typeof error !== 'object' || error === null) return;
		const json = 'json' in error ? error.json : error;
		if (isErrorItem(json)) items.push(json);
	};
	if (response.sse) {
		for (const event of sseEvents(response.body)) {
			if (event.event !== 'serialized-error') continue;
			const value: unknown = JSON.parse(event.data);
			if (typeof value === 'object' && value !== null && 'json' in value && isErrorItem(value.json)) items.push(value.json);
		}
		return { items, parsed: true };
	}
	let value: unknown;
	try {
		value = JSON.parse(response.body);
	} catch {
		return { items, parsed: false };
	}
	if (Array.isArray(value)) value.forEach(take);
	else take(value);
	// SvelteKit's own errors (the cross-site refusal, a 413 before tRPC) are `{ message }`.
	if (items.length === 0 && isErrorItem(value) && !('result' in value)) items.push(value);
	return { items, parsed: true };
}

/** `text` with every string the request carried removed, so an echoed input is not taken for a leak. */
function withoutEchoes(text: string, echoes: readonly string[]): string {
	let result = text;
	for (const echo of echoes) if (echo.length >= 3) result = result.split(echo).join('');
	return result;
}

export interface InspectOptions {
	/** Strings and keys the request carried (a validation message may quote a key). */
	echoes: readonly string[];
	/** Texts only the victim's own rows hold: seeing one means another user's data leaked. */
	secrets: readonly string[];
	/** The response may legitimately be missing (the request could not even be written, e.g. 10 MB of URL). */
	mayDrop?: boolean;
}

export function inspectResponse(response: WireResponse, options: InspectOptions): Finding[] {
	const findings: Finding[] = [];
	if (response.status === null) {
		if (!options.mayDrop) findings.push({ kind: 'no-response', detail: response.transportError ?? 'no status' });
		return findings;
	}
	if (response.status >= 500) findings.push({ kind: '5xx', detail: `HTTP ${response.status}: ${response.body.slice(0, 300)}` });
	let items: ErrorItem[] = [];
	let parsed = false;
	try {
		({ items, parsed } = errorItems(response));
	} catch (error) {
		findings.push({ kind: 'leak', detail: `unreadable SSE error event: ${String(error)} in ${response.body.slice(0, 200)}` });
	}
	for (const item of items) {
		const status = typeof item.data?.httpStatus === 'number' ? item.data.httpStatus : null;
		if ((status !== null && status >= 500) || item.code === -32603 || item.data?.code === 'INTERNAL_SERVER_ERROR' || item.message === INTERNAL_MESSAGE) {
			findings.push({ kind: '5xx', detail: `error ${String(item.data?.code ?? item.code)} (${status}) in a ${response.status} response: ${String(item.message)}` });
		}
		const message = withoutEchoes(String(item.message), options.echoes);
		const hit = INTERNAL_IN_MESSAGE.find((pattern) => pattern.test(message));
		if (hit) findings.push({ kind: 'leak', detail: `message matches ${hit}: ${String(item.message).slice(0, 300)}` });
	}
	// A body that is neither tRPC nor JSON (an HTML error page, plain text) is held to the message rules.
	if (!parsed && response.body.trim() !== '' && !String(response.headers['content-type'] ?? '').startsWith('text/html')) {
		const text = withoutEchoes(response.body.slice(0, 5_000), options.echoes);
		const hit = INTERNAL_IN_MESSAGE.find((pattern) => pattern.test(text));
		if (hit) findings.push({ kind: 'leak', detail: `body matches ${hit}: ${response.body.slice(0, 300)}` });
	}
	const body = withoutEchoes(response.body, options.echoes);
	const hit = INTERNAL_IN_BODY.find((pattern) => pattern.test(body));
	if (hit) findings.push({ kind: 'leak', detail: `body matches ${hit}: ${response.body.slice(0, 300)}` });
	const secret = options.secrets.find((value) => response.body.includes(value));
	if (secret) findings.push({ kind: 'secret', detail: `another user's data (${secret}) in: ${response.body.slice(0, 300)}` });
	return findings;
}

/** The tRPC error codes (`data.code`) a response carries, for probing what a procedure refuses. */
export function errorCodesIn(response: WireResponse): string[] {
	try {
		return errorItems(response).items.map((item) => String(item.data?.code ?? ''));
	} catch {
		return [];
	}
}

/** How many 5xx-class failures a response holds (HTTP status, or errors inside a batch or stream). */
export function countsAs5xx(findings: readonly Finding[]): boolean {
	return findings.some((finding) => finding.kind === '5xx');
}

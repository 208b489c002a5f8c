import http from 'node:http';
import superjson from 'superjson';
import type { ProcedureType } from './procedures';

/** One HTTP request as a hostile client would send it: anything the socket can carry. */
export interface WireRequest {
	method: 'GET' | 'POST';
	/** Path and query, e.g. `/api/trpc/chat.send` or `/api/trpc/a,b?batch=1&input=…`. */
	path: string;
	headers?: Record<string, string>;
	body?: string | Buffer;
	/** Send the body without Content-Length (chunked), so the server only learns its size by reading. */
	chunked?: boolean;
	/**
	 * Use a socket of its own, closed afterwards: after refusing a huge body unread, the server
	 * drains the rest before the next request on a kept-alive socket, which would stall that request.
	 */
	ownConnection?: boolean;
}

export interface WireResponse {
	status: number | null;
	headers: http.IncomingHttpHeaders;
	body: string;
	/** Set when no complete response arrived (reset, timeout). */
	transportError: string | null;
	/** The response was an SSE stream, read up to its first event after `connected`. */
	sse: boolean;
}

export interface WireClientOptions {
	/** Loopback address to send from, so sign-ins of the test's own accounts count against another address. */
	localAddress?: string;
	timeoutMs?: number;
}

/** Node refuses request heads over 16 KB (431) and closes the socket, possibly before the client reads the answer. */
export const MAX_HEAD_BYTES = 16 * 1024;

/** Bytes of the request line and headers, near enough to compare with MAX_HEAD_BYTES. */
export function headBytes(request: WireRequest): number {
	return request.method.length + request.path.length + Object.entries(request.headers ?? {}).reduce((total, [name, value]) => total + name.length + value.length + 4, 0) + 64;
}

/** SSE streams are read until their first event after `connected`, which is all a refusal needs. */
const SSE_READ_MS = 3_000;

/** An HTTP/1.1 client with keep-alive, for thousands of requests to one server. */
export class WireClient {
	readonly #agent: http.Agent;
	readonly #host: string;
	readonly #port: number;
	readonly #timeoutMs: number;
	readonly #localAddress: string | undefined;

	constructor(base: string, options: WireClientOptions = {}) {
		const url = new URL(base);
		this.#host = url.hostname;
		this.#port = Number(url.port);
		this.#timeoutMs = options.timeoutMs ?? 20_000;
		this.#localAddress = options.localAddress;
		this.#agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
	}

	get origin(): string {
		return `http://${this.#host}:${this.#port}`;
	}

	async send(request: WireRequest): Promise<WireResponse> {
		const first = await this.#sendOnce(request);
		// A kept-alive socket the server closed meanwhile (after refusing a huge body unread) fails at
		// once; clients retry those on a fresh socket. A server that really resets the request fails twice.
		return first.retryable ? (await this.#sendOnce(request)).response : first.response;
	}

	#sendOnce(request: WireRequest): Promise<{ response: WireResponse; retryable: boolean }> {
		return new Promise((resolve) => {
			let settled = false;
			const finish = (response: WireResponse, retryable = false) => {
				if (settled) return;
				settled = true;
				resolve({ response, retryable });
			};
			const headers: Record<string, string | number> = { ...request.headers };
			if (request.body !== undefined && !request.chunked) headers['content-length'] = Buffer.byteLength(request.body);
			const outgoing = http.request(
				{
					host: this.#host,
					port: this.#port,
					method: request.method,
					path: request.path,
					headers: request.ownConnection ? { ...headers, connection: 'close' } : headers,
					agent: request.ownConnection ? false : this.#agent,
					localAddress: this.#localAddress
				},
				(incoming) => {
					const sse = String(incoming.headers['content-type'] ?? '').startsWith('text/event-stream');
					const chunks: Buffer[] = [];
					const done = (transportError: string | null) => {
						finish({ status: incoming.statusCode ?? null, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8'), transportError, sse });
					};
					let sseTimer: NodeJS.Timeout | undefined;
					if (sse) {
						sseTimer = setTimeout(() => {
							done(null);
							outgoing.destroy();
						}, SSE_READ_MS);
					}
					incoming.on('data', (chunk: Buffer) => {
						chunks.push(chunk);
						if (sse && firstEventArrived(Buffer.concat(chunks).toString('utf8'))) {
							clearTimeout(sseTimer);
							done(null);
							outgoing.destroy();
						}
					});
					incoming.once('end', () => {
						clearTimeout(sseTimer);
						done(null);
					});
					incoming.once('error', (error) => {
						clearTimeout(sseTimer);
						done(settled ? null : `response: ${error.message}`);
					});
				}
			);
			outgoing.setTimeout(this.#timeoutMs, () => {
				finish({ status: null, headers: {}, body: '', transportError: `no response within ${this.#timeoutMs} ms`, sse: false });
				outgoing.destroy();
			});
			// A server refusing a huge body may answer and close before the whole body is written.
			outgoing.once('error', (error: NodeJS.ErrnoException) => {
				const stale = error.code === 'ECONNRESET' || error.code === 'EPIPE';
				finish({ status: null, headers: {}, body: '', transportError: error.message, sse: false }, stale);
			});
			if (request.body !== undefined) outgoing.write(request.body);
			outgoing.end();
		});
	}

	close(): void {
		this.#agent.destroy();
	}
}

/** The SSE text holds an event other than the initial `connected` (and pings). */
function firstEventArrived(text: string): boolean {
	return text
		.split('\n\n')
		.slice(0, -1)
		.some((block) => block.trim() !== '' && !/^event: (connected|ping)$/m.test(block) && !/^:/.test(block.trim()));
}

/** The parsed events of an SSE body: event name (`message` when none) and data. */
export function sseEvents(body: string): { event: string; data: string }[] {
	return body
		.split('\n\n')
		.filter((block) => block.trim() !== '')
		.map((block) => {
			const lines = block.split('\n');
			const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim() ?? 'message';
			const data = lines
				.filter((line) => line.startsWith('data:'))
				.map((line) => line.slice(5).trimStart())
				.join('\n');
			return { event, data };
		});
}

/**
 * superjson's envelope for `input`. What superjson itself cannot encode (an invalid Date inside a
 * null-prototype object) is sent as its JSON, or as a tag naming its kind.
 */
export function envelopeOf(input: unknown): { json: unknown; meta?: unknown } {
	try {
		return superjson.serialize(input);
	} catch {
		try {
			return { json: JSON.parse(JSON.stringify(input, (_key, value: unknown) => (value instanceof Date ? 'Invalid Date' : value)) ?? 'null') };
		} catch {
			return { json: Object.prototype.toString.call(input) };
		}
	}
}

/** The request a tRPC client makes to call `path` with `input`: GET ?input= for queries and subscriptions, POST for mutations. */
export function callRequest(path: string, type: ProcedureType, encodedInput: string | undefined, headers: Record<string, string>): WireRequest {
	const url = `/api/trpc/${path}`;
	if (type === 'mutation') return { method: 'POST', path: url, headers: { 'content-type': 'application/json', ...headers }, body: encodedInput ?? '' };
	const accept: Record<string, string> = type === 'subscription' ? { accept: 'text/event-stream' } : {};
	return { method: 'GET', path: encodedInput === undefined ? url : `${url}?input=${queryEncode(encodedInput)}`, headers: { ...accept, ...headers } };
}

/** Percent-encodes text as UTF-8, lone surrogates (from a cut-off pair) becoming U+FFFD as any encoder makes them. */
export function queryEncode(text: string): string {
	return encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));
}

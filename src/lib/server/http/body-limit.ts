/**
 * The request body limit the app applies itself (see svelte.config.js): BODY_SIZE_LIMIT as
 * adapter-node reads it (a byte count with an optional K, M or G suffix, or Infinity), 512K by
 * default. The production entry moves the setting to AIRASSIST_BODY_SIZE_LIMIT so the adapter
 * doesn't apply it to knowledge uploads as well.
 */
export function bodySizeLimit(source: NodeJS.ProcessEnv = process.env): number {
	const raw = source.AIRASSIST_BODY_SIZE_LIMIT ?? source.BODY_SIZE_LIMIT ?? '512K';
	const parsed = parseAsBytes(raw);
	return Number.isNaN(parsed) ? 512 * 1024 : parsed;
}

const MULTIPLIERS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** The same reading as adapter-node's: "512K" → 524288, "25M", "1000", "Infinity". */
export function parseAsBytes(value: string): number {
	const trimmed = value.trim();
	const multiplier = MULTIPLIERS[trimmed.at(-1)?.toUpperCase() ?? ''] ?? 1;
	return Number(multiplier === 1 ? trimmed : trimmed.slice(0, -1)) * multiplier;
}

/** What SvelteKit's node adapter raises for a body over its limit: callers already map status 413. */
export class BodyTooLargeError extends Error {
	readonly status = 413;
	constructor(limit: number) {
		super(`request body larger than ${limit} bytes`);
	}
}

/**
 * The request with its body limited to `limit` bytes: a declared Content-Length over it fails at
 * the first read, a streamed body as soon as it passes the limit (nothing more is read).
 */
export function limitBody(request: Request, limit: number): Request {
	if (!request.body || !Number.isFinite(limit)) return request;
	const declared = Number(request.headers.get('content-length'));
	let seen = 0;
	const limited = request.body.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			start(controller) {
				if (Number.isFinite(declared) && declared > limit) controller.error(new BodyTooLargeError(limit));
			},
			transform(chunk, controller) {
				seen += chunk.byteLength;
				if (seen > limit) controller.error(new BodyTooLargeError(limit));
				else controller.enqueue(chunk);
			}
		}),
		// Cancelling the source would destroy the socket (adapter-node) before the 413 is written.
		{ preventCancel: true }
	);
	// Node's fetch requires `duplex` for a streamed body; the DOM typings don't know the option yet.
	const init: RequestInit & { duplex: 'half' } = { method: request.method, headers: request.headers, body: limited, signal: request.signal, duplex: 'half' };
	return new Request(request.url, init);
}

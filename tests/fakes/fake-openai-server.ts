/**
 * A fake OpenAI-compatible server over real HTTP, for tests and hand testing: the app and the
 * official SDK talk to it exactly as they would to OpenAI, Ollama or vLLM. Replies are
 * deterministic ("Echo: <last user message>" unless configured), every request is recorded, and
 * each chat request can be scripted: its reply, pacing, usage, or a fault.
 *
 *   const llm = await startFakeOpenAI();
 *   llm.script({ fault: 'http429', retryAfterSeconds: 1 });   // the next chat request
 *   new OpenAI({ baseURL: llm.url, apiKey: 'test' });
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import {
	chunkBody,
	completionBody,
	countPromptTokens,
	echoReply,
	embeddingsBody,
	errorBody,
	parseChatRequest,
	parseEmbeddingRequest,
	splitIntoTokens,
	sseLine,
	usageBody,
	type CompletionIdentity,
	type FakeChatRequest,
	type FinishReasonBody,
	type UsageBody
} from './fake-openai-wire';

export interface ReplyScript {
	/** The reply, or a function of the request. Default "Echo: <last user message>". */
	reply?: string | ((request: FakeChatRequest) => string);
	/** Explicit token split (joined, they are the reply). Default: one token per word. */
	tokens?: string[];
	/** Delay before the first token (response headers go out at once when streaming). */
	ttftMs?: number;
	/** Delay between two tokens. */
	tokenDelayMs?: number;
	/** Default 'stop', or 'length' when max_tokens cut the reply. */
	finishReason?: FinishReasonBody;
	/** Numbers to report instead of the counted ones, or 'omit' to send no usage at all. */
	usage?: Partial<UsageBody> | 'omit';
}

export type Fault =
	| { fault: 'http500'; message?: string }
	| { fault: 'http429'; retryAfterSeconds?: number }
	| { fault: 'http400'; message?: string }
	/** Accept the request and never answer, until the client gives up or the server closes. */
	| { fault: 'hang' }
	/**
	 * Cut the connection after `afterTokens` tokens of a streamed reply. More than the reply has
	 * puts the cut after the finish chunk, before the usage chunk and [DONE].
	 */
	| { fault: 'dropMidStream'; afterTokens: number }
	/** Send a broken `data: {not json` line after `afterTokens` tokens (placed as above), then end. */
	| { fault: 'malformedSse'; afterTokens: number };

export type Behaviour = ReplyScript & (Fault | { fault?: undefined });

/** Faults that make sense for a plain JSON endpoint. */
export type EmbeddingBehaviour = Extract<Fault, { fault: 'http500' | 'http429' | 'http400' | 'hang' }>;

export type RequestOutcome =
	/** Still being answered (or hanging). */
	| 'pending'
	| 'answered'
	/** The client closed the connection before the answer was complete (an abort). */
	| 'client-disconnected'
	/** The server cut it: a dropMidStream fault, or close(). */
	| 'dropped';

export interface RecordedRequest {
	method: string;
	/** e.g. /v1/chat/completions */
	path: string;
	headers: IncomingHttpHeaders;
	/** The parsed JSON body, or null (no body or not JSON). */
	body: unknown;
	receivedAt: Date;
	/** Updated as the exchange goes on: poll it (vi.waitFor) to see a client disconnect. */
	outcome: RequestOutcome;
}

export interface FakeOpenAIOptions {
	/** Default 0: a free port chosen by the system. */
	port?: number;
	host?: string;
	/** When set, requests without `Authorization: Bearer <apiKey>` get a 401. */
	apiKey?: string;
	/** How chat requests are answered when nothing is scripted (scripts are merged over it). */
	defaultBehaviour?: ReplyScript;
	/** Ids listed by GET /v1/models. */
	models?: string[];
	/** Embedding length when the request names no `dimensions`. */
	embeddingDimensions?: number;
}

export interface FakeOpenAI {
	/** Base URL for the SDK, e.g. http://127.0.0.1:PORT/v1 */
	url: string;
	port: number;
	/** Every request received, in order (reset() empties it in place). */
	requests: RecordedRequest[];
	/** Queues the behaviour of the next chat completion request (one per request, in order). */
	script(next: Behaviour): void;
	/** Queues a fault for the next embeddings request. */
	scriptEmbeddings(next: EmbeddingBehaviour): void;
	/** Forgets scripts and recorded requests. */
	reset(): void;
	/** Ends hanging and streaming requests and stops the server. */
	close(): Promise<void>;
}

const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-5-mini', 'text-embedding-3-small'];

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
	const requests: RecordedRequest[] = [];
	const chatScripts: Behaviour[] = [];
	const embeddingScripts: EmbeddingBehaviour[] = [];
	const live = new Set<{ record: RecordedRequest; response: ServerResponse; ended: AbortController }>();
	let completionCount = 0;

	const server = createServer((request, response) => {
		void handle(request, response).catch((error: unknown) => {
			// A bug in the fake itself: answer 500 rather than leave the client hanging.
			if (!response.headersSent) sendJson(response, 500, errorBody(String(error), 'server_error', null));
			else response.destroy();
		});
	});

	async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const record: RecordedRequest = {
			method: request.method ?? 'GET',
			path: new URL(request.url ?? '/', 'http://fake').pathname,
			headers: request.headers,
			body: null,
			receivedAt: new Date(),
			outcome: 'pending'
		};
		requests.push(record);
		const ended = new AbortController();
		const entry = { record, response, ended };
		live.add(entry);
		response.on('close', () => {
			if (record.outcome === 'pending') record.outcome = response.writableFinished ? 'answered' : 'client-disconnected';
			ended.abort();
			live.delete(entry);
		});

		record.body = parseJson(await readBody(request));

		if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
			return sendJson(response, 401, errorBody(incorrectKeyMessage(request.headers.authorization), 'invalid_request_error', 'invalid_api_key'));
		}
		const route = `${record.method} ${record.path}`;
		if (route === 'POST /v1/chat/completions') return chatCompletion({ record, response, ended: ended.signal });
		if (route === 'POST /v1/embeddings') return embeddings(record, response);
		if (route === 'GET /v1/models') {
			const created = Math.floor(Date.now() / 1000);
			const data = (options.models ?? DEFAULT_MODELS).map((id) => ({ id, object: 'model', created, owned_by: 'airassist-fake' }));
			return sendJson(response, 200, { object: 'list', data });
		}
		sendJson(response, 404, errorBody(`Unknown request URL: ${route}.`, 'invalid_request_error', 'unknown_url'));
	}

	async function chatCompletion(exchange: Exchange): Promise<void> {
		const request = parseChatRequest(exchange.record.body);
		if (typeof request === 'string') return sendJson(exchange.response, 400, errorBody(request, 'invalid_request_error', null));
		const behaviour: Behaviour = { ...options.defaultBehaviour, ...chatScripts.shift() };
		if (answerWithHttpFault(behaviour, exchange.response)) return;
		const plan = planReply(request, behaviour, `chatcmpl-fake${++completionCount}`);
		try {
			if (request.stream) await streamReply(plan, exchange);
			else await jsonReply(plan, exchange);
		} catch (error) {
			// The client went away (or close() ran) during a delay: nothing left to send.
			if (!exchange.ended.aborted) throw error;
		}
	}

	function embeddings(record: RecordedRequest, response: ServerResponse): void {
		const request = parseEmbeddingRequest(record.body, options.embeddingDimensions ?? 1536);
		if (typeof request === 'string') return sendJson(response, 400, errorBody(request, 'invalid_request_error', null));
		const behaviour = embeddingScripts.shift();
		if (behaviour && answerWithHttpFault(behaviour, response)) return;
		sendJson(response, 200, embeddingsBody(request));
	}

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address();
	if (address === null || typeof address === 'string') throw new Error('The fake OpenAI server has no TCP address');
	const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

	let closing: Promise<void> | undefined;
	return {
		url: `http://${host}:${address.port}/v1`,
		port: address.port,
		requests,
		script: (next) => void chatScripts.push(next),
		scriptEmbeddings: (next) => void embeddingScripts.push(next),
		reset() {
			chatScripts.length = 0;
			embeddingScripts.length = 0;
			requests.length = 0;
		},
		close() {
			closing ??= new Promise<void>((resolve) => {
				for (const { record, response, ended } of live) {
					if (record.outcome === 'pending') record.outcome = 'dropped';
					ended.abort();
					response.destroy();
				}
				server.close(() => resolve());
				server.closeAllConnections();
			});
			return closing;
		}
	};
}

/** One request's exchange: what was recorded, where to answer, and whether the connection ended. */
interface Exchange {
	record: RecordedRequest;
	response: ServerResponse;
	ended: AbortSignal;
}

/** What a chat request will be answered with, decided before anything is sent. */
interface ReplyPlan {
	request: FakeChatRequest;
	behaviour: Behaviour;
	identity: CompletionIdentity;
	tokens: string[];
	finishReason: FinishReasonBody;
	usage: UsageBody | null;
}

function planReply(request: FakeChatRequest, behaviour: Behaviour, id: string): ReplyPlan {
	let tokens = behaviour.tokens ?? splitIntoTokens(replyText(behaviour, request));
	let finishReason = behaviour.finishReason ?? 'stop';
	if (request.maxTokens !== undefined && tokens.length > request.maxTokens) {
		tokens = tokens.slice(0, request.maxTokens);
		finishReason = behaviour.finishReason ?? 'length';
	}
	return {
		request,
		behaviour,
		identity: { id, created: Math.floor(Date.now() / 1000), model: request.model },
		tokens,
		finishReason,
		usage: behaviour.usage === 'omit' ? null : usageBody(countPromptTokens(request.messages), tokens.length, behaviour.usage)
	};
}

async function jsonReply(plan: ReplyPlan, { record, response, ended }: Exchange): Promise<void> {
	const { behaviour } = plan;
	await delay((behaviour.ttftMs ?? 0) + (behaviour.tokenDelayMs ?? 0) * plan.tokens.length, ended);
	if (behaviour.fault === 'dropMidStream') return drop(record, response);
	if (behaviour.fault === 'malformedSse') {
		response.writeHead(200, { 'content-type': 'application/json' });
		return void response.end('{not json');
	}
	sendJson(response, 200, completionBody(plan.identity, plan.tokens.join(''), plan.finishReason, plan.usage));
}

/** SSE as OpenAI sends it: role chunk, one chunk per token, finish chunk, usage chunk, [DONE]. */
async function streamReply(plan: ReplyPlan, { record, response, ended }: Exchange): Promise<void> {
	const { behaviour, identity, tokens } = plan;
	response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
	response.flushHeaders();
	// With include_usage, every chunk but the last carries `usage: null`, as OpenAI's do.
	const usageField = plan.request.includeUsage ? null : undefined;
	const faultAt = behaviour.fault === 'dropMidStream' || behaviour.fault === 'malformedSse' ? behaviour.afterTokens : -1;
	const applyFault = () => {
		if (behaviour.fault === 'dropMidStream') drop(record, response);
		else response.end(sseLine('{not json'));
	};

	await delay(behaviour.ttftMs, ended);
	response.write(sseLine(chunkBody(identity, { delta: { role: 'assistant', content: '' }, finishReason: null }, usageField)));
	for (const [index, token] of tokens.entries()) {
		if (index === faultAt) return applyFault();
		if (index > 0) await delay(behaviour.tokenDelayMs, ended);
		response.write(sseLine(chunkBody(identity, { delta: { content: token }, finishReason: null }, usageField)));
	}
	if (faultAt === tokens.length) return applyFault();
	response.write(sseLine(chunkBody(identity, { delta: {}, finishReason: plan.finishReason }, usageField)));
	if (faultAt > tokens.length) return applyFault();
	if (plan.request.includeUsage && plan.usage) response.write(sseLine(chunkBody(identity, null, plan.usage)));
	response.end(sseLine('[DONE]'));
}

/** Answers HTTP-level faults (and 'hang', by not answering); false when there is none. */
function answerWithHttpFault(behaviour: Behaviour | EmbeddingBehaviour, response: ServerResponse): boolean {
	switch (behaviour.fault) {
		case 'http500':
			sendJson(response, 500, errorBody(behaviour.message ?? 'The server had an error while processing your request.', 'server_error', null));
			return true;
		case 'http429': {
			const headers: Record<string, string> = behaviour.retryAfterSeconds === undefined ? {} : { 'retry-after': String(behaviour.retryAfterSeconds) };
			sendJson(response, 429, errorBody('Rate limit reached for requests. Please try again later.', 'requests', 'rate_limit_exceeded'), headers);
			return true;
		}
		case 'http400':
			sendJson(response, 400, errorBody(behaviour.message ?? 'Invalid request.', 'invalid_request_error', null));
			return true;
		case 'hang':
			return true;
		default:
			return false;
	}
}

/**
 * Cuts the connection mid-answer. Ending the socket (rather than destroying it) first delivers the
 * tokens already written, as when a network drops after them; the client then sees a body that
 * stops in the middle of its chunked encoding.
 */
function drop(record: RecordedRequest, response: ServerResponse): void {
	record.outcome = 'dropped';
	if (response.socket) response.socket.end();
	else response.destroy();
}

function replyText(behaviour: ReplyScript, request: FakeChatRequest): string {
	if (typeof behaviour.reply === 'function') return behaviour.reply(request);
	return behaviour.reply ?? echoReply(request);
}

/** OpenAI's 401 message quotes the key's ends; kept, so tests can check it never reaches a user. */
function incorrectKeyMessage(authorization: string | undefined): string {
	const key = authorization?.replace(/^Bearer\s+/i, '') ?? '';
	if (key === '') return "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.";
	const masked = key.length > 8 ? `${key.slice(0, 3)}*****${key.slice(-4)}` : key;
	return `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`;
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	response.writeHead(status, { 'content-type': 'application/json', ...headers });
	response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
	return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
	if (text === '') return null;
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}

/** Resolves after `ms` (at once for 0 or undefined); rejects when `signal` aborts first. */
function delay(ms: number | undefined, signal: AbortSignal): Promise<void> {
	if (signal.aborted) return Promise.reject(new Error('request ended'));
	if (!ms) return Promise.resolve();
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			signal.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		const onAbort = () => {
			clearTimeout(timer);
			reject(new Error('request ended'));
		};
		signal.addEventListener('abort', onAbort, { once: true });
	});
}

/**
 * The OpenAI wire format as the fake server speaks it: request parsing, response and chunk
 * shapes, error bodies, and its (documented, deliberately simple) token arithmetic.
 */
import { hashedEmbedding } from '../../src/lib/server/ai/hashed-embedding';

export interface FakeChatMessage {
	role: string;
	/** Text parts of an array content are joined. */
	content: string;
}

export interface FakeChatRequest {
	model: string;
	messages: FakeChatMessage[];
	stream: boolean;
	includeUsage: boolean;
	/** max_completion_tokens, else max_tokens. */
	maxTokens: number | undefined;
}

export interface UsageBody {
	prompt_tokens: number;
	completion_tokens: number;
	total_tokens: number;
}

export type FinishReasonBody = 'stop' | 'length' | 'content_filter';

export function parseChatRequest(body: unknown): FakeChatRequest | string {
	if (!isRecord(body)) return 'The request body must be a JSON object.';
	if (typeof body.model !== 'string' || body.model === '') return "'model' is required.";
	if (!Array.isArray(body.messages) || body.messages.length === 0) return "'messages' must be a non-empty array.";
	const messages: FakeChatMessage[] = [];
	for (const message of body.messages) {
		if (!isRecord(message) || typeof message.role !== 'string') return 'Each message needs a role.';
		messages.push({ role: message.role, content: textOf(message.content) });
	}
	const limit = body.max_completion_tokens ?? body.max_tokens;
	return {
		model: body.model,
		messages,
		stream: body.stream === true,
		includeUsage: isRecord(body.stream_options) && body.stream_options.include_usage === true,
		maxTokens: typeof limit === 'number' ? limit : undefined
	};
}

function textOf(content: unknown): string {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return '';
	return content
		.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
		.join('');
}

/** The default reply: deterministic from the input, so a test can predict it. */
export function echoReply(request: FakeChatRequest): string {
	const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
	return `Echo: ${lastUser?.content ?? ''}`;
}

/** One streamed token per word, each with its leading whitespace: the pieces join to the reply. */
export function splitIntoTokens(text: string): string[] {
	return text.match(/\s*\S+|\s+$/g) ?? [];
}

function wordCount(text: string): number {
	return text.split(/\s+/).filter((word) => word !== '').length;
}

/**
 * The fake's prompt "tokens": whitespace-separated words, framed like OpenAI's chat format
 * (4 per message for its delimiters and role, 3 to prime the reply). Deliberately not BPE, so
 * a test can tell usage the server reported from usage the client counted itself.
 */
export function countPromptTokens(messages: readonly FakeChatMessage[]): number {
	return 3 + messages.reduce((sum, message) => sum + 4 + wordCount(message.content), 0);
}

/** Embedding "tokens": whitespace-separated words of all inputs. */
export function countEmbeddingTokens(inputs: readonly string[]): number {
	return inputs.reduce((sum, input) => sum + wordCount(input), 0);
}

export function usageBody(promptTokens: number, completionTokens: number, override: Partial<UsageBody> = {}): UsageBody {
	const prompt = override.prompt_tokens ?? promptTokens;
	const completion = override.completion_tokens ?? completionTokens;
	return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: override.total_tokens ?? prompt + completion };
}

export interface CompletionIdentity {
	id: string;
	created: number;
	model: string;
}

export function completionBody(identity: CompletionIdentity, content: string, finishReason: FinishReasonBody, usage: UsageBody | null) {
	return {
		...identity,
		object: 'chat.completion',
		system_fingerprint: 'fp_fake',
		choices: [
			{
				index: 0,
				message: { role: 'assistant', content, refusal: null, annotations: [] },
				logprobs: null,
				finish_reason: finishReason
			}
		],
		...(usage ? { usage } : {})
	};
}

/** A chat.completion.chunk. With include_usage, OpenAI sends `usage: null` on all but the last. */
export function chunkBody(
	identity: CompletionIdentity,
	choice: { delta: { role?: 'assistant'; content?: string }; finishReason: FinishReasonBody | null } | null,
	usage: UsageBody | null | undefined
) {
	return {
		...identity,
		object: 'chat.completion.chunk',
		system_fingerprint: 'fp_fake',
		choices: choice ? [{ index: 0, delta: choice.delta, logprobs: null, finish_reason: choice.finishReason }] : [],
		...(usage === undefined ? {} : { usage })
	};
}

export function sseLine(data: unknown): string {
	return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export function errorBody(message: string, type: string, code: string | null) {
	return { error: { message, type, param: null, code } };
}

export interface FakeEmbeddingRequest {
	model: string;
	inputs: string[];
	encoding: 'float' | 'base64';
	dimensions: number;
}

export function parseEmbeddingRequest(body: unknown, defaultDimensions: number): FakeEmbeddingRequest | string {
	if (!isRecord(body)) return 'The request body must be a JSON object.';
	if (typeof body.model !== 'string' || body.model === '') return "'model' is required.";
	const input = body.input;
	const inputs = typeof input === 'string' ? [input] : Array.isArray(input) ? input : null;
	if (!inputs || inputs.length === 0 || !inputs.every((item) => typeof item === 'string')) {
		return "'input' must be a string or a non-empty array of strings.";
	}
	const encoding = body.encoding_format ?? 'float';
	if (encoding !== 'float' && encoding !== 'base64') return "'encoding_format' must be 'float' or 'base64'.";
	const dimensions = body.dimensions ?? defaultDimensions;
	if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1) {
		return "'dimensions' must be a positive whole number.";
	}
	return { model: body.model, inputs: inputs.filter((item) => typeof item === 'string'), encoding, dimensions };
}

/** Hashed bag-of-words vectors (see src/lib/server/ai/hashed-embedding.ts): similar texts score similar. */
export function embeddingsBody(request: FakeEmbeddingRequest) {
	return {
		object: 'list',
		model: request.model,
		data: request.inputs.map((input, index) => {
			const vector = hashedEmbedding(input, request.dimensions);
			return { object: 'embedding', index, embedding: request.encoding === 'base64' ? toBase64Float32(vector) : vector };
		}),
		usage: { prompt_tokens: countEmbeddingTokens(request.inputs), total_tokens: countEmbeddingTokens(request.inputs) }
	};
}

/** What OpenAI sends for encoding_format 'base64': little-endian float32s, base64-encoded. */
export function toBase64Float32(vector: readonly number[]): string {
	const bytes = Buffer.alloc(vector.length * 4);
	vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
	return bytes.toString('base64');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import OpenAI from 'openai';
import { logger } from '../logging/logger';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAIConnection {
	/** e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 */
	baseURL: string;
	/** Null sends no Authorization header (local servers such as Ollama need none). */
	apiKey: string | null;
}

const sdkLog = logger.child({ component: 'openai-sdk' });

/**
 * An SDK client that reads nothing from the environment: everything it sends is decided by the
 * provider registry, so an OPENAI_API_KEY or OPENAI_ORG_ID never leaks to another server by
 * default. The SDK's own retries are off (ours happen only before the first token) and so is
 * its timeout beyond `requestTimeoutMs`, a backstop behind our first-token timer.
 */
export function createOpenAIClient(connection: OpenAIConnection, requestTimeoutMs: number): OpenAI {
	return new OpenAI({
		baseURL: connection.baseURL,
		// The SDK insists on credentials; a null Authorization header below then removes them.
		apiKey: connection.apiKey ?? 'unused',
		adminAPIKey: null,
		organization: null,
		project: null,
		defaultHeaders: connection.apiKey === null ? { Authorization: null } : undefined,
		maxRetries: 0,
		timeout: requestTimeoutMs,
		logger: {
			error: (message, ...details) => sdkLog.warn({ details }, message),
			warn: (message, ...details) => sdkLog.warn({ details }, message),
			info: (message, ...details) => sdkLog.debug({ details }, message),
			debug: (message, ...details) => sdkLog.trace({ details }, message)
		}
	});
}

/** The server's host for messages: a base URL may carry credentials (http://user:pass@host). */
export function hostOf(baseURL: string): string {
	try {
		return new URL(baseURL).host;
	} catch {
		return 'the configured address';
	}
}

/** OpenAI itself, as opposed to a server that merely speaks its API. */
export function isOpenAIHost(baseURL: string): boolean {
	try {
		const host = new URL(baseURL).hostname;
		return host === 'api.openai.com' || host.endsWith('.openai.com');
	} catch {
		return false;
	}
}

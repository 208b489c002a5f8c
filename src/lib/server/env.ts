import { z } from 'zod';
import { ConfigError } from './errors';

/**
 * Configuration is read and validated once. A bad value stops the process with a message naming
 * the variable and what it expects, instead of failing later inside a request.
 */
const envSchema = z.object({
	DATABASE_URL: z.string().trim().default('pglite:./data/airassist'),
	DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
	OPENAI_API_KEY: z.string().trim().optional(),
	OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
	// Read by adapter-node too; validated here so the app knows whether the request's scheme can be trusted.
	ORIGIN: z.url({ protocol: /^https?$/ }).optional(),
	PROTOCOL_HEADER: z.string().trim().regex(/^[\w-]+$/).optional(),
	AUTH_SIGNUPS_PER_IP_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(5),
	LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
	ANALYTICS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
	// Long enough that guessing is hopeless; compared in constant time by GET /metrics.
	METRICS_TOKEN: z.string().trim().min(16).max(512).optional(),
	// 32 random bytes (hex or base64) that encrypt models' API keys in the database.
	MODEL_KEYS_SECRET: z.string().trim().regex(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/).optional(),
	NODE_ENV: z.string().default('development')
});

export type Env = z.infer<typeof envSchema>;

const EXPECTED: Record<keyof Env, string> = {
	DATABASE_URL: "must be 'pglite:<dir>', 'pglite:memory' or 'postgres://user:pass@host:5432/db'",
	DATABASE_POOL_SIZE: 'must be a whole number of connections between 1 and 500',
	OPENAI_API_KEY: 'must be a string',
	OPENAI_BASE_URL: 'must be an absolute URL such as http://127.0.0.1:11434/v1',
	ORIGIN: 'must be the public URL people open, such as https://assist.example.com',
	PROTOCOL_HEADER: 'must be a header name such as x-forwarded-proto',
	AUTH_SIGNUPS_PER_IP_PER_HOUR: 'must be a whole number from 1 to 100000',
	LOG_LEVEL: 'must be one of fatal, error, warn, info, debug, trace, silent',
	ANALYTICS_RETENTION_DAYS: 'must be a whole number of days from 1 to 3650',
	METRICS_TOKEN: 'must be a secret of 16 to 512 characters (e.g. `openssl rand -hex 32`), or unset to disable GET /metrics',
	MODEL_KEYS_SECRET: 'must be 32 random bytes as 64 hex digits or base64 (e.g. `openssl rand -hex 32`), or unset if no model needs its own API key',
	NODE_ENV: 'must be a string'
};

export function parseEnv(source: Record<string, string | undefined>): Env {
	// Empty strings mean "not set" (a common result of `FOO= npm start` or compose files).
	const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
	const result = envSchema.safeParse(present);
	if (result.success) return result.data;
	const issue = result.error.issues[0];
	const variable = String(issue?.path[0] ?? 'environment') as keyof Env;
	throw new ConfigError(variable, EXPECTED[variable] ?? issue?.message ?? 'is invalid');
}

let cached: Env | undefined;

export function env(): Env {
	cached ??= parseEnv(process.env);
	return cached;
}

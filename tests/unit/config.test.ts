import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl, redactUrl } from '../../src/lib/server/db/database-url';
import { parseEnv } from '../../src/lib/server/env';
import { ConfigError } from '../../src/lib/server/errors';

describe('DATABASE_URL', () => {
	it('defaults to the embedded database under ./data', () => {
		expect(parseDatabaseUrl(undefined, '/srv/app')).toEqual({ engine: 'pglite', dataDir: '/srv/app/data/airassist' });
	});

	it('accepts pglite directories, pglite:memory and postgres URLs', () => {
		expect(parseDatabaseUrl('pglite:memory')).toEqual({ engine: 'pglite', dataDir: null });
		expect(parseDatabaseUrl('pglite:/var/lib/airassist')).toEqual({ engine: 'pglite', dataDir: '/var/lib/airassist' });
		expect(parseDatabaseUrl('pglite://./db', '/x')).toEqual({ engine: 'pglite', dataDir: '/x/db' });
		expect(parseDatabaseUrl('postgres://u:p@db:5432/airassist')).toEqual({ engine: 'postgres', url: 'postgres://u:p@db:5432/airassist' });
		expect(parseDatabaseUrl('postgresql://u@db/airassist').engine).toBe('postgres');
	});

	it.each([
		['mysql://u:secret@db/airassist', /must start with 'pglite:' .* got 'mysql:\/\/u:\*\*\*@db\/airassist'/],
		['pglite:', /needs a directory after 'pglite:'/],
		['postgres://u:p@db:5432', /needs a database name/],
		['postgres://u:p@:5432/x', /not a valid postgres:\/\/ URL|needs a host/]
	])('rejects %s with a message naming DATABASE_URL', (value, message) => {
		const attempt = () => parseDatabaseUrl(value);
		expect(attempt).toThrow(ConfigError);
		expect(attempt).toThrow(/^DATABASE_URL /);
		expect(attempt).toThrow(message);
	});

	it('never repeats a password in messages', () => {
		expect(redactUrl('postgres://user:s3cr3t@host/db')).toBe('postgres://user:***@host/db');
		expect(() => parseDatabaseUrl('redis://user:s3cr3t@host')).toThrow(/^(?!.*s3cr3t)/);
	});
});

describe('environment', () => {
	it('fills defaults and treats empty strings as unset', () => {
		const env = parseEnv({ DATABASE_URL: '', LOG_LEVEL: '' });
		expect(env.DATABASE_URL).toBe('pglite:./data/airassist');
		expect(env.LOG_LEVEL).toBe('info');
	});

	it('names the variable and what it expects', () => {
		expect(() => parseEnv({ LOG_LEVEL: 'loud' })).toThrow('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
		expect(() => parseEnv({ OPENAI_BASE_URL: 'localhost:11434' })).toThrow(/^OPENAI_BASE_URL must be an absolute URL/);
	});
});

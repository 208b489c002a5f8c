import path from 'node:path';
import { ConfigError } from '../errors';

/** Where the data lives, decided by DATABASE_URL. */
export type DatabaseTarget =
	| { engine: 'pglite'; dataDir: string | null } // null = in memory (tests)
	| { engine: 'postgres'; url: string };

export const DEFAULT_DATABASE_URL = 'pglite:./data/airassist';

export function parseDatabaseUrl(raw: string = DEFAULT_DATABASE_URL, cwd = process.cwd()): DatabaseTarget {
	const value = raw.trim();
	if (value.startsWith('pglite:')) {
		const location = value.slice('pglite:'.length).replace(/^\/\/(?=\.|\/)/, '');
		if (location === '') {
			throw new ConfigError('DATABASE_URL', "needs a directory after 'pglite:' (e.g. pglite:./data/airassist) or 'pglite:memory'");
		}
		return { engine: 'pglite', dataDir: location === 'memory' ? null : path.resolve(cwd, location) };
	}
	if (/^postgres(ql)?:\/\//.test(value)) {
		let url: URL;
		try {
			url = new URL(value);
		} catch (cause) {
			throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL (check for unescaped characters in the password)', { cause });
		}
		if (!url.hostname) throw new ConfigError('DATABASE_URL', 'needs a host, e.g. postgres://user:pass@localhost:5432/airassist');
		if (url.pathname.length <= 1) throw new ConfigError('DATABASE_URL', 'needs a database name, e.g. postgres://user:pass@localhost:5432/airassist');
		return { engine: 'postgres', url: value };
	}
	throw new ConfigError(
		'DATABASE_URL',
		`must start with 'pglite:' (embedded) or 'postgres://' (server); got '${redactUrl(value)}'`
	);
}

/** The URL with any password replaced, safe for logs and error messages. */
export function redactUrl(value: string): string {
	return value.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

import pg from 'pg';

/** What scripts/ci/setup-native-postgres.sh creates; override with TEST_NATIVE_DATABASE_URL. */
export const DEFAULT_NATIVE_URL = 'postgres://airassist:airassist@127.0.0.1:5432/airassist_test';

/**
 * The native test server's URL if one answers, else null (and a note on stderr). Set
 * TEST_NATIVE_DATABASE_URL=off to skip the native engine on purpose; CI sets REQUIRE_NATIVE_DB=1 so a
 * missing server fails the run instead of silently testing one engine.
 */
export async function nativeDatabaseUrl(): Promise<string | null> {
	const configured = process.env.TEST_NATIVE_DATABASE_URL;
	if (configured === 'off') return null;
	const url = configured || DEFAULT_NATIVE_URL;
	const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
	try {
		await client.connect();
		await client.query('select 1');
		return url;
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		if (process.env.REQUIRE_NATIVE_DB === '1') {
			throw new Error(`REQUIRE_NATIVE_DB=1 but the native PostgreSQL test server at ${url.replace(/:[^:@/]*@/, ':***@')} is unreachable: ${reason}`);
		}
		process.stderr.write(
			`\n[tests] No native PostgreSQL at ${url.replace(/:[^:@/]*@/, ':***@')} (${reason}); integration tests run on PGlite only.\n` +
				'        Run `bash scripts/ci/setup-native-postgres.sh` (as root) to add the native engine.\n\n'
		);
		return null;
	} finally {
		await client.end().catch(() => undefined);
	}
}

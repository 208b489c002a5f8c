import { AppError } from '../errors';
import type { SqlSession } from './sql-session';

const MIN_SERVER_VERSION = 150000;

interface ServerFacts {
	version: number;
	version_text: string;
	database: string;
	role: string;
	available: boolean;
	installed: boolean;
	trusted: boolean;
	superuser: boolean;
}

/**
 * Checks, before migrating, that the server can hold AirAssist's schema, so an unsuitable server
 * fails with instructions instead of a SQL error halfway through 002.
 */
export async function assertServerSupported(session: SqlSession): Promise<void> {
	const [facts] = await session.query<ServerFacts>(`
		select current_setting('server_version_num')::int as version,
		       current_setting('server_version') as version_text,
		       current_database() as database,
		       current_user as role,
		       exists (select 1 from pg_available_extensions where name = 'vector') as available,
		       exists (select 1 from pg_extension where extname = 'vector') as installed,
		       coalesce((select bool_or(trusted) from pg_available_extension_versions where name = 'vector'), false) as trusted,
		       coalesce((select rolsuper from pg_roles where rolname = current_user), false) as superuser`);
	if (!facts) throw new AppError('DATABASE_UNSUPPORTED', 'The database did not answer the version check');
	if (facts.version < MIN_SERVER_VERSION) {
		throw new AppError('DATABASE_UNSUPPORTED', `DATABASE_URL points at PostgreSQL ${facts.version_text}; AirAssist needs PostgreSQL 15 or newer.`);
	}
	if (!facts.available) {
		throw new AppError(
			'DATABASE_UNSUPPORTED',
			'The PostgreSQL server in DATABASE_URL has no pgvector extension installed. Install pgvector 0.5 or newer on the server ' +
				'(e.g. the postgresql-NN-pgvector package, or build it from source), then restart AirAssist.'
		);
	}
	if (!facts.installed && !facts.superuser && !facts.trusted) {
		throw new AppError(
			'DATABASE_UNSUPPORTED',
			`pgvector is installed on the server but not enabled in database "${facts.database}", and role "${facts.role}" may not enable it. ` +
				`Ask a superuser to run: create extension vector;  (connected to "${facts.database}"), then restart AirAssist.`
		);
	}
}

import { env } from '../env';
import { AppError } from '../errors';
import { logger } from '../logging/logger';
import { openDatabase, type Database } from './client';
import { parseDatabaseUrl, type DatabaseTarget } from './database-url';
import { migrate } from './migrations';
import { assertServerSupported } from './server-support';

export type { Database } from './client';
export { asAnonymous, asUser, withAdminPowers, type UserTransaction } from './user-context';

/** Opens the database, checks the server can hold the schema, and applies pending migrations. */
export async function startDatabase(target: DatabaseTarget, poolSize?: number): Promise<Database> {
	const db = await openDatabase(target, poolSize ? { poolSize } : {});
	try {
		if (db.engine === 'postgres') await db.withSession(assertServerSupported);
		const report = await migrate(db);
		if (report.applied.length > 0) {
			logger.info({ migrations: report.applied, totalMs: report.totalMs }, 'database migrated');
		}
		return db;
	} catch (error) {
		await db.close().catch(() => undefined);
		throw error;
	}
}

let shared: Promise<Database> | undefined;

/** The process-wide database, started on first use (the server's init hook calls this at boot). */
export function getDatabase(): Promise<Database> {
	shared ??= startDatabase(parseDatabaseUrl(env().DATABASE_URL), env().DATABASE_POOL_SIZE).catch((error: unknown) => {
		// A server that was down at boot may come back: let the next caller try again.
		if (error instanceof AppError && error.code === 'DATABASE_UNAVAILABLE') shared = undefined;
		throw error;
	});
	return shared;
}

export async function closeDatabase(): Promise<void> {
	const current = shared;
	shared = undefined;
	if (current) await (await current.catch(() => null))?.close();
}

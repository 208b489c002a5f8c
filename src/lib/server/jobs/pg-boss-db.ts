import type PgBoss from 'pg-boss';
import type { Database } from '../db';

/**
 * pg-boss sends its maintenance and schema scripts as one string wrapped in an explicit
 * `BEGIN; … COMMIT;`. If a statement in such a string fails, the session is left inside an aborted
 * transaction — on the embedded engine, which is the app's only session, every later query would
 * then fail. So these scripts run without the wrapper inside our own transaction, which rolls back
 * on error (and, on PGlite, holds the instance's transaction mutex like every other query).
 */
const WRAPPED_SCRIPT = /^\s*BEGIN;([\s\S]*)COMMIT;\s*$/;

/**
 * pg-boss's database interface over the app's own Database handle: no second pool and, on the
 * embedded engine, no socket. Each call runs on one session; PGlite serialises it with Prisma's
 * interactive transactions, so a poll can never run inside (or break) a request's transaction.
 */
export function pgBossDatabase(db: Database): PgBoss.Db {
	return {
		async executeSql(text: string, values: unknown[] = []) {
			const script = values.length === 0 ? WRAPPED_SCRIPT.exec(text) : null;
			if (script) {
				await db.withSession((session) => session.transaction((tx) => tx.exec(script[1] ?? '')));
				return { rows: [] };
			}
			return { rows: await db.withSession((session) => session.query(text, values)) };
		}
	};
}

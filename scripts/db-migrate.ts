/**
 * `npm run db:migrate`: applies pending migrations to the database in DATABASE_URL and reports
 * what ran. The server also does this on start; this is for deploy pipelines and operators.
 */
import { openDatabase } from '../src/lib/server/db/client';
import { parseDatabaseUrl, redactUrl } from '../src/lib/server/db/database-url';
import { listAppliedMigrations, loadMigrations, migrate } from '../src/lib/server/db/migrations';
import { assertServerSupported } from '../src/lib/server/db/server-support';
import { env } from '../src/lib/server/env';
import { errorMessage } from '../src/lib/server/errors';

async function main(): Promise<void> {
	const url = env().DATABASE_URL;
	const target = parseDatabaseUrl(url);
	console.log(`Database: ${redactUrl(url)}`);
	const files = await loadMigrations();
	const db = await openDatabase(target, { poolSize: 2 });
	try {
		if (db.engine === 'postgres') await db.withSession(assertServerSupported);
		const report = await migrate(db, files);
		for (const file of report.applied) console.log(`  applied  ${file.name}  (${file.executionMs} ms)`);
		const applied = await db.withSession(listAppliedMigrations);
		console.log(
			report.applied.length === 0
				? `Up to date: ${applied.length} migrations applied, none pending.`
				: `Applied ${report.applied.length} migration(s) in ${report.totalMs} ms; ${applied.length} in total.`
		);
	} finally {
		await db.close();
	}
}

main().catch((error: unknown) => {
	console.error(`db:migrate failed: ${errorMessage(error)}`);
	process.exit(1);
});

import { openDatabase, type Database } from '../../src/lib/server/db/client';
import { migrate } from '../../src/lib/server/db/migrations';
import { databaseUrl, dropServerDatabase, withServerUrlDatabase } from '../../tests/support/native-admin';
import { nativeDatabaseUrl } from '../../tests/support/native-url';

export interface OpenedDatabase {
	db: Database;
	dispose: () => Promise<void>;
}

export interface Engines {
	pglite: (options?: { migrated?: boolean }) => Promise<OpenedDatabase>;
	/** null when no native server answers (TEST_NATIVE_DATABASE_URL, or the CI default). */
	native: null | ((options?: { migrated?: boolean; poolSize?: number }) => Promise<OpenedDatabase>);
}

/** A throwaway database on each engine a benchmark can reach, empty or migrated. */
export async function benchEngines(): Promise<Engines> {
	const serverUrl = await nativeDatabaseUrl();
	return {
		pglite: async (options = {}) => {
			const db = await openDatabase({ engine: 'pglite', dataDir: null });
			if (options.migrated) await migrate(db);
			return { db, dispose: () => db.close() };
		},
		native: serverUrl
			? async (options = {}) => {
					const name = `airassist_bench_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
					await withServerUrlDatabase(serverUrl, (admin) => admin.query(`create database ${name}`));
					const db = await openDatabase({ engine: 'postgres', url: databaseUrl(serverUrl, name) }, { poolSize: options.poolSize ?? 4 });
					if (options.migrated) await migrate(db);
					return {
						db,
						dispose: async () => {
							await db.close();
							await dropServerDatabase(serverUrl, name);
						}
					};
				}
			: null
	};
}

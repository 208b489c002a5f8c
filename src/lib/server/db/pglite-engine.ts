import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { SqlSession } from './sql-session';

export type EmbeddedPostgres = PGlite;

/** Opens (creating if needed) the embedded Postgres with pgvector; `dataDir` null = in memory. */
export async function openPglite(dataDir: string | null, loadDataDir?: Blob): Promise<EmbeddedPostgres> {
	if (dataDir) await mkdir(dataDir, { recursive: true });
	return PGlite.create({
		...(dataDir ? { dataDir } : {}),
		...(loadDataDir ? { loadDataDir } : {}),
		extensions: { vector }
	});
}

function sessionOf(target: PGlite | Transaction): SqlSession {
	return {
		async query<Row>(text: string, params: readonly unknown[] = []) {
			const result = await target.query<Row>(text, [...params]);
			return result.rows;
		},
		async exec(script: string) {
			await target.exec(script);
		},
		async transaction<T>(work: (tx: SqlSession) => Promise<T>) {
			if (target instanceof PGlite) return target.transaction((tx) => work(sessionOf(tx)));
			// PGlite has no savepoint API; nested work simply joins the open transaction.
			return work(sessionOf(target));
		}
	};
}

export function pgliteSession(db: PGlite): SqlSession {
	return sessionOf(db);
}

import pg from 'pg';
import type { SqlSession } from './sql-session';

export function createPool(url: string, max: number): pg.Pool {
	return new pg.Pool({
		connectionString: url,
		max,
		connectionTimeoutMillis: 5_000,
		idleTimeoutMillis: 30_000,
		application_name: 'airassist'
	});
}

function sessionOf(client: pg.PoolClient): SqlSession {
	const session: SqlSession = {
		async query<Row>(text: string, params: readonly unknown[] = []) {
			const result = await client.query(text, [...params]);
			return result.rows as Row[];
		},
		async exec(script: string) {
			await client.query(script);
		},
		async transaction<T>(work: (tx: SqlSession) => Promise<T>) {
			await client.query('begin');
			try {
				const value = await work(session);
				await client.query('commit');
				return value;
			} catch (error) {
				await client.query('rollback').catch(() => undefined);
				throw error;
			}
		}
	};
	return session;
}

/** Runs `work` on one dedicated pooled connection, released afterwards. */
export async function withPooledSession<T>(pool: pg.Pool, work: (session: SqlSession) => Promise<T>): Promise<T> {
	const client = await pool.connect();
	try {
		return await work(sessionOf(client));
	} finally {
		client.release();
	}
}

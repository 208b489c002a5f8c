import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type pg from 'pg';
import { AppError, errorMessage } from '../errors';
import { redactUrl, type DatabaseTarget } from './database-url';
import { PrismaClient } from './generated/client';
import { openPglite, pgliteSession, type EmbeddedPostgres } from './pglite-engine';
import { createPool, listenOnServer, withPooledSession, type NotificationHandlers } from './postgres-engine';
import type { SqlSession } from './sql-session';

export type Engine = DatabaseTarget['engine'];

/** One handle per process: the typed Prisma client plus raw sessions for what Prisma can't do. */
export interface Database {
	readonly engine: Engine;
	readonly prisma: PrismaClient;
	/** Runs `work` on a single database session (one pooled connection, or the embedded instance). */
	withSession<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
	/** Receives NOTIFY on `channel` in this process until the returned function is called. */
	listen(channel: string, handlers: NotificationHandlers): Promise<() => Promise<void>>;
	close(): Promise<void>;
}

export interface OpenOptions {
	/** node-postgres pool size; ignored for the embedded engine. */
	poolSize?: number;
	/** Start the embedded engine from a dump made by `dumpDataDir` (fast test databases). */
	pgliteSnapshot?: Blob;
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Database> {
	return target.engine === 'pglite'
		? openEmbedded(await openPglite(target.dataDir, options.pgliteSnapshot))
		: openServer(target.url, options.poolSize ?? 10);
}

export function openEmbedded(pglite: EmbeddedPostgres): Database {
	const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
	const session = pgliteSession(pglite);
	return {
		engine: 'pglite',
		prisma,
		withSession: (work) => work(session),
		// One session in one process: it hears its own notifications, and never misses any.
		listen: (channel, handlers) => pglite.listen(channel, handlers.onNotify),
		async close() {
			await prisma.$disconnect();
			if (!pglite.closed) await pglite.close();
		}
	};
}

async function openServer(url: string, poolSize: number): Promise<Database> {
	const pool = createPool(url, poolSize);
	// An idle client losing its connection must not crash the process; the next query reconnects.
	pool.on('error', () => undefined);
	try {
		await withPooledSession(pool, (session) => session.query('select 1'));
	} catch (cause) {
		await pool.end().catch(() => undefined);
		throw new AppError(
			'DATABASE_UNAVAILABLE',
			`Cannot connect to the PostgreSQL server in DATABASE_URL (${redactUrl(url)}): ${errorMessage(cause)}`,
			{ cause }
		);
	}
	const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
	const listeners = new Set<() => Promise<void>>();
	return {
		engine: 'postgres',
		prisma,
		withSession: (work) => withPooledSession(pool, work),
		async listen(channel, handlers) {
			const stop = await listenOnServer(url, channel, handlers);
			listeners.add(stop);
			return async () => {
				listeners.delete(stop);
				await stop();
			};
		},
		async close() {
			await Promise.all([...listeners].map((stop) => stop()));
			listeners.clear();
			await prisma.$disconnect();
			await endPool(pool);
		}
	};
}

async function endPool(pool: pg.Pool): Promise<void> {
	if (!pool.ended) await pool.end();
}

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

export interface NotificationHandlers {
	onNotify(payload: string): void;
	/** Notifications may have been missed (the connection dropped and came back). */
	onGap(): void;
}

const RECONNECT_MS = 2_000;

/**
 * LISTEN on a connection of its own (a pooled one would be handed to other work), re-established
 * after it drops; every reconnect is reported as a gap, since notifications sent meanwhile are lost.
 */
export async function listenOnServer(url: string, channel: string, handlers: NotificationHandlers): Promise<() => Promise<void>> {
	let stopped = false;
	let client: pg.Client | null = null;
	let retry: ReturnType<typeof setTimeout> | null = null;

	const scheduleReconnect = () => {
		if (stopped || retry) return;
		retry = setTimeout(() => {
			retry = null;
			void connect().then(handlers.onGap, scheduleReconnect);
		}, RECONNECT_MS);
		retry.unref?.();
	};

	async function connect(): Promise<void> {
		const next = new pg.Client({ connectionString: url, application_name: 'airassist-listener', connectionTimeoutMillis: 5_000 });
		next.on('notification', (message) => {
			if (message.channel === channel) handlers.onNotify(message.payload ?? '');
		});
		const lost = () => {
			if (client === next) client = null;
			void next.end().catch(() => undefined);
			scheduleReconnect();
		};
		next.on('error', lost);
		next.on('end', () => {
			if (client === next) lost();
		});
		try {
			await next.connect();
			await next.query(`listen ${next.escapeIdentifier(channel)}`);
		} catch (error) {
			await next.end().catch(() => undefined);
			throw error;
		}
		if (stopped) {
			await next.end().catch(() => undefined);
			return;
		}
		client = next;
	}

	await connect().catch(scheduleReconnect);
	return async () => {
		stopped = true;
		if (retry) clearTimeout(retry);
		const current = client;
		client = null;
		await current?.end().catch(() => undefined);
	};
}

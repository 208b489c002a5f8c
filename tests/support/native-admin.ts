import pg from 'pg';

/** A short-lived connection to the native test server's own database, for CREATE/DROP DATABASE. */
export async function withServerUrlDatabase<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client({ connectionString: serverUrl });
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.end();
	}
}

export function databaseUrl(serverUrl: string, database: string): string {
	const url = new URL(serverUrl);
	url.pathname = `/${database}`;
	return url.toString();
}

/**
 * DROP DATABASE for a test or benchmark database, retried: FORCE ends our own sessions but can't end
 * an autovacuum worker (not our role's process); a plain DROP makes autovacuum leave, so it is the
 * fallback, retried while one finishes.
 */
export async function dropServerDatabase(serverUrl: string, name: string): Promise<void> {
	await withServerUrlDatabase(serverUrl, async (admin) => {
		for (let attempt = 1; ; attempt++) {
			try {
				await admin.query(attempt === 1 ? `drop database if exists ${name} with (force)` : `drop database if exists ${name}`);
				return;
			} catch (error) {
				if (attempt >= 6) throw error;
				await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
			}
		}
	});
}

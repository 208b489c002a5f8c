import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import { openDatabase, openEmbedded, type Database } from '../../src/lib/server/db/client';
import { openPglite, type EmbeddedPostgres } from '../../src/lib/server/db/pglite-engine';
import { ensureNativeTemplate } from './global-setup';
import { databaseUrl, dropServerDatabase, withServerUrlDatabase } from './native-admin';

export type TestEngine = 'pglite' | 'native';

export const testEngine: TestEngine = process.env.TEST_ENGINE === 'native' ? 'native' : 'pglite';

export interface TestDatabase {
	db: Database;
	engine: TestEngine;
	/** postgres:// URL of this database (native engine only), e.g. to open a second pool or log in as another role. */
	url: string | null;
	/** The embedded instance (pglite engine only). */
	pglite: EmbeddedPostgres | null;
	dispose(): Promise<void>;
}

export interface TestDatabaseOptions {
	/** Start from an empty database instead of the migrated template. */
	empty?: boolean;
	/** node-postgres pool size for the native engine (concurrency tests want more). */
	poolSize?: number;
}

/** A private database for one test file: a copy of the migrated template, dropped on dispose. */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
	return testEngine === 'native' ? createNative(options) : createPglite(options);
}

async function createPglite(options: TestDatabaseOptions): Promise<TestDatabase> {
	const snapshot = options.empty ? undefined : new Blob([await readFile(inject('pgliteSnapshot'))]);
	const pglite = await openPglite(null, snapshot);
	const db = openEmbedded(pglite);
	return { db, engine: 'pglite', url: null, pglite, dispose: () => db.close() };
}

async function createNative(options: TestDatabaseOptions): Promise<TestDatabase> {
	const serverUrl = process.env.TEST_NATIVE_DATABASE_URL;
	if (!serverUrl) throw new Error('TEST_ENGINE=native needs TEST_NATIVE_DATABASE_URL');
	const name = `airassist_t_${randomBytes(6).toString('hex')}`;
	// template1 carries pgvector (installed there by the setup script) but no AirAssist schema.
	const template = options.empty ? 'template1' : inject('nativeTemplate');
	const create = () => withServerUrlDatabase(serverUrl, (admin) => admin.query(`create database ${name} template ${template}`));
	await create().catch(async (error: unknown) => {
		// 3D000: the template is gone (another checkout sharing this server dropped it); make it again.
		if (options.empty || !(error instanceof Error && 'code' in error && error.code === '3D000')) throw error;
		await ensureNativeTemplate(template, serverUrl);
		await create();
	});
	const url = databaseUrl(serverUrl, name);
	const db = await openDatabase({ engine: 'postgres', url }, { poolSize: options.poolSize ?? 5 });
	return {
		db,
		engine: 'native',
		url,
		pglite: null,
		async dispose() {
			await db.close();
			await dropServerDatabase(serverUrl, name);
		}
	};
}

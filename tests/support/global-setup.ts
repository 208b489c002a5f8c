import { createHash } from 'node:crypto';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase, openEmbedded } from '../../src/lib/server/db/client';
import { loadMigrations, migrate } from '../../src/lib/server/db/migrations';
import { openPglite } from '../../src/lib/server/db/pglite-engine';
import { assertServerSupported } from '../../src/lib/server/db/server-support';
import { databaseUrl, withServerUrlDatabase } from './native-admin';

declare module 'vitest' {
	export interface ProvidedContext {
		/** Path of a dumped, fully migrated PGlite data dir (engine pglite). */
		pgliteSnapshot: string;
		/** Name of a fully migrated template database on the native server (engine native). */
		nativeTemplate: string;
	}
}

/**
 * Migrates one database per engine once per run (cached across runs by the migrations' checksums);
 * each test file then starts from a copy of it, which is ~3× faster than migrating afresh.
 */
export default async function setup(project: TestProject): Promise<void> {
	const migrations = await loadMigrations(path.resolve('migrations'));
	const fingerprint = createHash('sha256')
		.update(migrations.map((file) => `${file.name}:${file.checksum}`).join('\n'))
		.digest('hex')
		.slice(0, 16);

	// Project env reaches the test workers, not this process: read it from the project's config.
	if (project.config.env?.TEST_ENGINE === 'native') {
		project.provide('nativeTemplate', await prepareNativeTemplate(fingerprint, requiredNativeUrl(project.config.env.TEST_NATIVE_DATABASE_URL)));
	} else {
		project.provide('pgliteSnapshot', await preparePgliteSnapshot(fingerprint));
	}
}

async function preparePgliteSnapshot(fingerprint: string): Promise<string> {
	const dir = path.join(os.tmpdir(), 'airassist-test-snapshots');
	const file = path.join(dir, `pglite-${fingerprint}.tar.gz`);
	if (await exists(file)) return file;
	const pglite = await openPglite(null);
	const db = openEmbedded(pglite);
	try {
		await migrate(db, await loadMigrations(path.resolve('migrations')));
		const dump = await pglite.dumpDataDir('gzip');
		await mkdir(dir, { recursive: true });
		// Written under a temporary name and renamed, so a parallel or crashed run never reads half a file.
		const temporary = `${file}.${process.pid}.tmp`;
		await writeFile(temporary, Buffer.from(await dump.arrayBuffer()));
		await rename(temporary, file);
		return file;
	} finally {
		await db.close();
	}
}

/** Templates untouched this long are left over from earlier migration sets. */
const STALE_TEMPLATE_MS = 24 * 60 * 60 * 1000;

async function prepareNativeTemplate(fingerprint: string, serverUrl: string): Promise<string> {
	const name = `airassist_tpl_${fingerprint}`;
	await withServerUrlDatabase(serverUrl, async (admin) => {
		// Other checkouts (other branches, other migration sets) may share this server and run at the
		// same time: only templates nobody has used for a day are dropped, never a sibling's fresh one.
		const others = await admin.query<{ datname: string; touched: string | null }>(
			`select datname, shobj_description(oid, 'pg_database') as touched from pg_database where datname like 'airassist\\_tpl\\_%' and datname <> $1 and datname not like '%\\_building\\_%'`,
			[name]
		);
		for (const { datname, touched } of others.rows) {
			const touchedAt = touched ? Date.parse(touched) : NaN;
			if (Number.isFinite(touchedAt) && Date.now() - touchedAt > STALE_TEMPLATE_MS) {
				await admin.query(`drop database if exists "${datname}"`).catch(() => undefined);
			}
		}
	});
	await ensureNativeTemplate(name, serverUrl);
	return name;
}

/**
 * Creates the migrated template `name` unless it exists, and marks it as used now. Test files call
 * it again if the template vanished mid-run (an older checkout's setup dropped it as stale).
 */
export async function ensureNativeTemplate(name: string, serverUrl: string): Promise<void> {
	await withServerUrlDatabase(serverUrl, async (admin) => {
		const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
		if (!found.rowCount) {
			// Build under a temporary name and rename when complete, so a crashed run leaves no half-migrated template.
			const building = `${name}_building_${process.pid}_${Date.now().toString(36)}`;
			await admin.query(`create database ${building}`);
			const db = await openDatabase({ engine: 'postgres', url: databaseUrl(serverUrl, building) }, { poolSize: 2 });
			try {
				await db.withSession(assertServerSupported);
				await migrate(db, await loadMigrations(path.resolve('migrations')));
			} finally {
				await db.close();
			}
			// Another process may have finished the same template first: then ours is surplus.
			await admin.query(`alter database ${building} rename to ${name}`).catch(async (error: unknown) => {
				await admin.query(`drop database if exists ${building}`);
				const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
				if (!exists.rowCount) throw error;
			});
		}
		await admin.query(`comment on database ${name} is '${new Date().toISOString()}'`);
	});
}

function requiredNativeUrl(url: string | undefined): string {
	if (!url) throw new Error('TEST_ENGINE=native needs TEST_NATIVE_DATABASE_URL');
	return url;
}

async function exists(file: string): Promise<boolean> {
	return access(file).then(
		() => true,
		() => false
	);
}

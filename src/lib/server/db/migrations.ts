import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError, errorMessage } from '../errors';
import type { Database } from './client';
import type { SqlSession } from './sql-session';

export interface MigrationFile {
	/** File name, e.g. `001_initial_setup.sql`; also the key recorded in `schema_migrations`. */
	readonly name: string;
	readonly sql: string;
	readonly checksum: string;
}

export interface AppliedMigration {
	name: string;
	checksum: string;
	appliedAt: Date;
	executionMs: number;
}

export interface MigrationReport {
	applied: { name: string; executionMs: number }[];
	alreadyApplied: number;
	totalMs: number;
}

const FILE_PATTERN = /^(\d{3})_[a-z0-9_]+\.sql$/;
/** Arbitrary constant: every AirAssist process serialises migrations on this advisory lock. */
const MIGRATION_LOCK_KEY = 7_262_144_001;

export function defaultMigrationsDir(): string {
	return path.resolve(process.env.MIGRATIONS_DIR ?? 'migrations');
}

export function checksumOf(sql: string): string {
	// Line endings are normalised so a checkout with CRLF conversion doesn't look tampered with.
	return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

export async function loadMigrations(dir = defaultMigrationsDir()): Promise<MigrationFile[]> {
	let names: string[];
	try {
		names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
	} catch (cause) {
		throw new AppError('MIGRATION_FAILED', `Cannot read the migrations folder ${dir} (set MIGRATIONS_DIR or run from the project root)`, { cause });
	}
	const seen = new Map<string, string>();
	for (const name of names) {
		const number = FILE_PATTERN.exec(name)?.[1];
		if (!number) throw new AppError('MIGRATION_FAILED', `Migration file ${name} must be named NNN_lowercase_name.sql`);
		const clash = seen.get(number);
		if (clash) throw new AppError('MIGRATION_FAILED', `Migrations ${clash} and ${name} share the number ${number}`);
		seen.set(number, name);
	}
	return Promise.all(
		names.map(async (name) => {
			const sql = await readFile(path.join(dir, name), 'utf8');
			return { name, sql, checksum: checksumOf(sql) };
		})
	);
}

const LEDGER_DDL = `
create table if not exists public.schema_migrations (
	name text primary key,
	checksum text not null,
	applied_at timestamptz not null default now(),
	execution_ms integer not null
);
-- Internal bookkeeping: no policies, so request roles see nothing.
alter table public.schema_migrations enable row level security;
`;

export async function listAppliedMigrations(session: SqlSession): Promise<AppliedMigration[]> {
	const exists = await session.query<{ found: boolean }>(`select to_regclass('public.schema_migrations') is not null as found`);
	if (!exists[0]?.found) return [];
	const rows = await session.query<{ name: string; checksum: string; applied_at: Date; execution_ms: number }>(
		'select name, checksum, applied_at, execution_ms from public.schema_migrations order by name'
	);
	return rows.map((row) => ({ name: row.name, checksum: row.checksum, appliedAt: row.applied_at, executionMs: row.execution_ms }));
}

/** Runs one file in its own transaction without bookkeeping (used by the runner and by tests). */
export async function runMigrationFile(session: SqlSession, file: MigrationFile): Promise<number> {
	const started = performance.now();
	try {
		await session.transaction((tx) => tx.exec(file.sql));
	} catch (cause) {
		throw new AppError('MIGRATION_FAILED', `Migration ${file.name} failed and was rolled back: ${errorMessage(cause)}`, { cause });
	}
	return Math.round(performance.now() - started);
}

/**
 * Applies pending migrations in name order, each in one transaction together with its ledger row.
 * Concurrent starters (several app processes on one server) wait on an advisory lock, then find
 * nothing left to do. A file edited after it was applied stops everything: silently diverging
 * schemas are worse than a refused start.
 */
export function migrate(db: Database, files?: MigrationFile[]): Promise<MigrationReport> {
	// Advisory locks are re-entrant within one session, and the embedded engine is one session:
	// callers in the same process queue here as well.
	const run = queue.then(() => migrateLocked(db, files));
	queue = run.catch(() => undefined);
	return run;
}

let queue: Promise<unknown> = Promise.resolve();

async function migrateLocked(db: Database, files?: MigrationFile[]): Promise<MigrationReport> {
	const migrations = files ?? (await loadMigrations());
	const started = performance.now();
	return db.withSession(async (session) => {
		await session.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
		try {
			await session.exec(LEDGER_DDL);
			const applied = new Map((await listAppliedMigrations(session)).map((row) => [row.name, row]));
			for (const file of migrations) {
				const previous = applied.get(file.name);
				if (previous && previous.checksum !== file.checksum) {
					throw new AppError(
						'MIGRATION_TAMPERED',
						`Migration ${file.name} was changed after it was applied on ${previous.appliedAt.toISOString()} ` +
							`(recorded checksum ${previous.checksum.slice(0, 12)}…, file now ${file.checksum.slice(0, 12)}…). ` +
							'Restore the original file and put the change in a new migration.'
					);
				}
			}
			const report: MigrationReport = { applied: [], alreadyApplied: applied.size, totalMs: 0 };
			for (const file of migrations.filter((candidate) => !applied.has(candidate.name))) {
				const fileStarted = performance.now();
				try {
					await session.transaction(async (tx) => {
						await tx.exec(file.sql);
						await tx.query('insert into public.schema_migrations (name, checksum, execution_ms) values ($1, $2, $3)', [
							file.name,
							file.checksum,
							Math.round(performance.now() - fileStarted)
						]);
					});
				} catch (cause) {
					throw new AppError('MIGRATION_FAILED', `Migration ${file.name} failed and was rolled back: ${errorMessage(cause)}`, { cause });
				}
				report.applied.push({ name: file.name, executionMs: Math.round(performance.now() - fileStarted) });
			}
			report.totalMs = Math.round(performance.now() - started);
			return report;
		} finally {
			await session.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
		}
	});
}

/**
 * `npm run bench:db` — prints, measured side by side in one run:
 *  1. cold start to first served request on the embedded database (fresh and existing data dir);
 *  2. migration time for all files on an empty database (PGlite, and the native server when reachable);
 *  3. the cost of the per-user RLS transaction (`asUser`) as a ratio against the same query without it.
 * Figures, not assertions: these machines are noisy, so read medians and ratios.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../src/lib/server/db/client';
import { loadMigrations, migrate, runMigrationFile } from '../src/lib/server/db/migrations';
import { asUser } from '../src/lib/server/db/user-context';
import { startBuiltServer } from './support/built-server';
import { benchEngines, type Engines } from './support/engines';
import { median, percentile } from './support/stats';

const COLD_START_RUNS = 3;
const QUERY_ITERATIONS = 400;

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;

/** Starts the built server on an embedded data dir; ms from spawn until /healthz answers 200. */
async function timeColdStart(dataDir: string): Promise<number> {
	const server = await startBuiltServer({ DATABASE_URL: `pglite:${dataDir}` });
	await server.stop();
	return server.startupMs;
}

async function benchColdStart(): Promise<void> {
	const fresh: number[] = [];
	const existing: number[] = [];
	for (let run = 0; run < COLD_START_RUNS; run++) {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'airassist-bench-'));
		try {
			fresh.push(await timeColdStart(path.join(dir, 'db')));
			existing.push(await timeColdStart(path.join(dir, 'db')));
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	}
	console.log('\n1. Cold start to first served request (built server, embedded PGlite)');
	console.log(`   fresh data dir (create + migrate): median ${ms(median(fresh))}   runs: ${fresh.map(ms).join(', ')}`);
	console.log(`   existing data dir:                 median ${ms(median(existing))}   runs: ${existing.map(ms).join(', ')}`);
}

async function timeMigrations(db: Database): Promise<{ total: number; perFile: [string, number][] }> {
	const files = await loadMigrations();
	const perFile: [string, number][] = [];
	const started = performance.now();
	await db.withSession(async (session) => {
		for (const file of files) perFile.push([file.name, await runMigrationFile(session, file)]);
	});
	return { total: performance.now() - started, perFile };
}

async function benchMigrations(available: Engines): Promise<void> {
	console.log('\n2. Migration time, all files on an empty database');
	for (const [label, open] of [
		['PGlite', available.pglite],
		['native PostgreSQL', available.native]
	] as const) {
		if (!open) {
			console.log(`   ${label}: skipped (no server reachable)`);
			continue;
		}
		const { db, dispose } = await open();
		try {
			const { total, perFile } = await timeMigrations(db);
			console.log(`   ${label}: ${ms(total)}  (${perFile.map(([name, time]) => `${name.slice(0, 3)} ${time} ms`).join(', ')})`);
		} finally {
			await dispose();
		}
	}
}

async function benchUserContext(available: Engines): Promise<void> {
	console.log(`\n3. Per-user RLS transaction vs the same query without it (${QUERY_ITERATIONS} iterations each, interleaved)`);
	console.log('   engine              plain median / p95      asUser median / p95     ratio (median)');
	for (const [label, open] of [
		['PGlite', available.pglite],
		['native PostgreSQL', available.native]
	] as const) {
		if (!open) {
			console.log(`   ${label.padEnd(20)}skipped (no server reachable)`);
			continue;
		}
		const { db, dispose } = await open();
		try {
			await migrate(db);
			const users = await Promise.all(['a', 'b'].map((name) => db.prisma.user.create({ data: { email: `${name}-${Date.now()}@bench.test` } })));
			for (const user of users) {
				await db.prisma.chatSession.createMany({ data: Array.from({ length: 100 }, (_, i) => ({ userId: user.id, title: `Chat ${i}` })) });
			}
			const userId = users[0]?.id ?? '';
			const plain = () => db.prisma.chatSession.findMany({ where: { userId }, orderBy: { updatedAt: 'desc' }, take: 20 });
			const scoped = () => asUser(db, userId, (tx) => tx.chatSession.findMany({ orderBy: { updatedAt: 'desc' }, take: 20 }));
			for (let i = 0; i < 30; i++) await Promise.all([plain(), scoped()]);
			const plainTimes: number[] = [];
			const scopedTimes: number[] = [];
			for (let i = 0; i < QUERY_ITERATIONS; i++) {
				let started = performance.now();
				const a = await plain();
				plainTimes.push(performance.now() - started);
				started = performance.now();
				const b = await scoped();
				scopedTimes.push(performance.now() - started);
				if (a.length !== b.length) throw new Error(`RLS changed the result: ${a.length} vs ${b.length} rows`);
			}
			console.log(
				`   ${label.padEnd(20)}${`${ms(median(plainTimes))} / ${ms(percentile(plainTimes, 95))}`.padEnd(24)}` +
					`${`${ms(median(scopedTimes))} / ${ms(percentile(scopedTimes, 95))}`.padEnd(24)}${(median(scopedTimes) / median(plainTimes)).toFixed(2)}×`
			);
		} finally {
			await dispose();
		}
	}
}

async function main(): Promise<void> {
	console.log(`AirAssist database benchmark — node ${process.version}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`);
	process.env.LOG_LEVEL ??= 'silent';
	const available = await benchEngines();
	await benchColdStart();
	await benchMigrations(available);
	await benchUserContext(available);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});

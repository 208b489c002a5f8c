/**
 * `npm run bench:auth` — prints, measured in one run on this machine:
 *  1. the cost of a sign-in's password check: argon2id parameters and milliseconds per hash/verify;
 *  2. the per-request cost of resolving a session cookie, as a ratio against the same request
 *     made anonymously, through the built server over real HTTP (tRPC `auth.me`).
 * Figures, not assertions: read medians and ratios.
 */
import os from 'node:os';
import { signIn, signUp } from '../src/lib/server/auth/auth.service';
import { ARGON2_OPTIONS, hashPassword, verifyPassword } from '../src/lib/server/auth/password';
import { DEFAULT_THROTTLE_POLICY } from '../src/lib/server/auth/throttle.service';
import { openDatabase } from '../src/lib/server/db/client';
import { migrate } from '../src/lib/server/db/migrations';
import { signUpCookie, startBuiltServer } from './support/built-server';

const HASH_RUNS = 30;
const REQUESTS = 400;

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)] ?? 0;
const ms = (value: number) => `${value.toFixed(2)} ms`;

async function benchArgon2(): Promise<void> {
	const hashes: number[] = [];
	const verifies: number[] = [];
	let stored = await hashPassword('warm-up password');
	for (let i = 0; i < HASH_RUNS; i++) {
		let started = performance.now();
		stored = await hashPassword(`password number ${i}`);
		hashes.push(performance.now() - started);
		started = performance.now();
		await verifyPassword(stored, `password number ${i}`);
		verifies.push(performance.now() - started);
	}
	console.log('\n1. Password hashing (argon2id via @node-rs/argon2)');
	console.log(`   parameters: memory ${ARGON2_OPTIONS.memoryCost} KiB, iterations ${ARGON2_OPTIONS.timeCost}, parallelism ${ARGON2_OPTIONS.parallelism}`);
	console.log(`   hash:   median ${ms(median(hashes))}, p95 ${ms(p95(hashes))}  (${HASH_RUNS} runs)`);
	console.log(`   verify: median ${ms(median(verifies))}, p95 ${ms(p95(verifies))}  — the CPU cost of one sign-in attempt`);
}

/** An unknown email must cost what a wrong password costs, or response times reveal who has an account. */
async function benchSignInTiming(): Promise<void> {
	const db = await openDatabase({ engine: 'pglite', dataDir: null });
	const policy = { ...DEFAULT_THROTTLE_POLICY, accountFreeFailures: 1000, accountLockFailures: 1000, signUpsPerIpPerHour: 1000 };
	try {
		await migrate(db);
		await signUp(db, { email: 'timing@example.test', password: 'the real password' }, { ip: null, userAgent: null }, policy);
		const wrongPassword: number[] = [];
		const unknownEmail: number[] = [];
		const attempt = async (email: string) => {
			const started = performance.now();
			await signIn(db, { email, password: 'not the password' }, { ip: null, userAgent: null }, policy).catch(() => undefined);
			return performance.now() - started;
		};
		for (let i = 0; i < 5; i++) await Promise.all([attempt('timing@example.test'), attempt('nobody@example.test')]);
		for (let i = 0; i < HASH_RUNS; i++) {
			wrongPassword.push(await attempt('timing@example.test'));
			unknownEmail.push(await attempt(`nobody-${i}@example.test`));
		}
		console.log(`   failed sign-in, wrong password: median ${ms(median(wrongPassword))}; unknown email: median ${ms(median(unknownEmail))} (ratio ${(median(unknownEmail) / median(wrongPassword)).toFixed(2)}×)`);
	} finally {
		await db.close();
	}
}

async function benchSessionValidation(): Promise<void> {
	const server = await startBuiltServer({ DATABASE_URL: 'pglite:memory' });
	const base = server.base;
	try {
		const cookie = await signUpCookie(base);

		const url = `${base}/api/trpc/auth.me`;
		const anonymous: number[] = [];
		const withSession: number[] = [];
		const time = async (headers: Record<string, string>) => {
			const started = performance.now();
			const response = await fetch(url, { headers });
			await response.text();
			return performance.now() - started;
		};
		for (let i = 0; i < 50; i++) await Promise.all([time({}), time({ cookie })]);
		for (let i = 0; i < REQUESTS; i++) {
			anonymous.push(await time({}));
			withSession.push(await time({ cookie }));
		}
		console.log(`\n2. Per-request session validation (built server, PGlite, ${REQUESTS} sequential requests each, interleaved)`);
		console.log(`   anonymous auth.me:        median ${ms(median(anonymous))}, p95 ${ms(p95(anonymous))}`);
		console.log(`   with session cookie:      median ${ms(median(withSession))}, p95 ${ms(p95(withSession))}`);
		console.log(`   ratio (median):           ${(median(withSession) / median(anonymous)).toFixed(2)}×  (+${ms(median(withSession) - median(anonymous))} per request: one indexed lookup)`);
	} finally {
		await server.stop();
	}
}

console.log(`AirAssist auth benchmark — node ${process.version}, ${os.cpus().length} cores`);
await benchArgon2();
await benchSignInTiming();
await benchSessionValidation();

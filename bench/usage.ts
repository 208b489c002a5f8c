/**
 * `npm run bench:usage` — prints, measured in one run:
 *  1. quota reservations: reserve + settle calls per second from 1 and 16 concurrent callers, and
 *     the over-admission count against a token cap (must be 0) — on PGlite and the native server;
 *  2. the admin dashboards' 30-day queries at 1M synthetic log rows (BENCH_LOG_ROWS), from the
 *     rollups vs the same figures from the raw log, on both engines.
 * BENCH_PART=reservations|dashboards runs one part.
 * Figures, not assertions: these machines are noisy, so read ratios and medians.
 */
import { asUser, type Database } from '../src/lib/server/db';
import { createServices } from '../src/lib/server/services';
import { reserveCall, settleCall, type CallSpec } from '../src/lib/server/usage/governed-call';
import { AppError } from '../src/lib/server/errors';
import { createUser } from '../tests/support/fixtures';
import { benchEngines } from './support/engines';
import { loadSyntheticLogs, rollupsMatchLog, SYNTHETIC_USERS, timeDashboard } from './support/usage-rollups';
import { median } from './support/stats';

const PROMPT_TOKENS = 100;
const OUTPUT_TOKENS = 100;
const PER_CALL = PROMPT_TOKENS + OUTPUT_TOKENS;
const THROUGHPUT_SECONDS = 3;
const CAPPED_CALLS = 50;

const services = createServices();

function spec(userId: string): CallSpec {
	return {
		userId,
		endpoint: 'chat',
		provider: 'openai',
		model: { modelName: 'gpt-4o-mini', inputPricePer1m: '0.15', outputPricePer1m: '0.60' },
		promptTokens: PROMPT_TOKENS,
		maxOutputTokens: OUTPUT_TOKENS,
		minOutputTokens: OUTPUT_TOKENS,
		countsAsRequest: true
	};
}

/** One governed call with no model behind it: reserve, then settle to exactly what was reserved. */
async function reserveAndSettle(db: Database, userId: string): Promise<'admitted' | 'refused'> {
	const deps = { db, services };
	try {
		const reservation = await reserveCall(deps, spec(userId));
		await asUser(db, userId, (tx) =>
			settleCall(deps, tx, reservation, { status: 'success', usage: { promptTokens: PROMPT_TOKENS, completionTokens: OUTPUT_TOKENS }, latencyMs: 1, timeToFirstTokenMs: 1, errorMessage: null })
		);
		return 'admitted';
	} catch (error) {
		if (error instanceof AppError && error.code === 'TOO_MANY_REQUESTS') return 'refused';
		throw error;
	}
}

async function limitedUser(db: Database, tokensPerDay: number): Promise<string> {
	const user = await createUser(db, 'bench');
	await db.prisma.userLimitOverride.create({ data: { userId: user.id, requestsPerMinute: 1_000_000_000, requestsPerDay: 1_000_000_000, tokensPerDay: BigInt(tokensPerDay) } });
	return user.id;
}

async function throughput(db: Database, callers: number): Promise<{ perSecond: number; latencies: number[] }> {
	const userId = await limitedUser(db, 1_000_000_000);
	const deadline = performance.now() + THROUGHPUT_SECONDS * 1000;
	const latencies: number[] = [];
	let calls = 0;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: callers }, async () => {
			while (performance.now() < deadline) {
				const t0 = performance.now();
				await reserveAndSettle(db, userId);
				latencies.push(performance.now() - t0);
				calls++;
			}
		})
	);
	return { perSecond: calls / ((performance.now() - started) / 1000), latencies };
}

/** 16 callers race for a cap that fits exactly CAPPED_CALLS calls; anything admitted beyond it is over-admission. */
async function overAdmission(db: Database): Promise<{ admitted: number; refused: number; over: number; spent: number; cap: number }> {
	const cap = CAPPED_CALLS * PER_CALL;
	const userId = await limitedUser(db, cap);
	let admitted = 0;
	let refused = 0;
	await Promise.all(
		Array.from({ length: 16 }, async () => {
			let refusedInARow = 0;
			while (refusedInARow < 3) {
				if ((await reserveAndSettle(db, userId)) === 'admitted') {
					admitted++;
					refusedInARow = 0;
				} else {
					refused++;
					refusedInARow++;
				}
			}
		})
	);
	const spent = await db.prisma.apiUsageLog.aggregate({ where: { userId, status: 'success' }, _sum: { totalTokens: true } });
	return { admitted, refused, over: Math.max(0, admitted - CAPPED_CALLS), spent: spent._sum.totalTokens ?? 0, cap };
}

async function benchReservations(): Promise<void> {
	const available = await benchEngines();
	console.log(`\n1. Quota reservations: reserve + settle (each call books ${PER_CALL} tokens, settles to the same, logs one row)`);
	console.log('   engine              callers   calls/s   median ms   over-admission (cap fits 50 calls; 16 racing callers)');
	for (const [label, open] of [
		['PGlite', available.pglite],
		['native PostgreSQL', available.native]
	] as const) {
		if (!open) {
			console.log(`   ${label.padEnd(20)}skipped (no server reachable)`);
			continue;
		}
		const { db, dispose } = await open({ migrated: true, poolSize: 20 });
		try {
			await createUser(db, 'site-admin');
			const race = await overAdmission(db);
			for (const callers of [1, 16]) {
				const run = await throughput(db, callers);
				const overText = callers === 16 ? `${race.over} (admitted ${race.admitted}, refused ${race.refused}, logged ${race.spent} of ${race.cap} tokens)` : '';
				console.log(`   ${label.padEnd(20)}${String(callers).padStart(7)}   ${run.perSecond.toFixed(0).padStart(7)}   ${median(run.latencies).toFixed(2).padStart(9)}   ${overText}`);
			}
		} finally {
			await dispose();
		}
	}
}

const LOG_ROWS = Number(process.env.BENCH_LOG_ROWS ?? 1_000_000);
const ROLLUP_TARGET_MS = 50;
const RATIO_TARGET = 20;

async function benchDashboards(): Promise<void> {
	const available = await benchEngines();
	console.log(`\n2. Admin dashboards, last 30 days, ${LOG_ROWS.toLocaleString('en-US')} synthetic log rows from ${SYNTHETIC_USERS.toLocaleString('en-US')} users`);
	console.log(`   (target: every query ≤ ${ROLLUP_TARGET_MS} ms p95 from rollups and ≥ ${RATIO_TARGET}× faster than from the raw log; 'errors' reads the newest error rows through a partial index)`);
	for (const [label, open, runs] of [
		['native PostgreSQL', available.native, { rollups: 40, raw: 7 }],
		['PGlite', available.pglite, { rollups: 20, raw: 3 }]
	] as const) {
		if (!open) {
			console.log(`   ${label}: skipped (no server reachable)`);
			continue;
		}
		const { db, dispose } = await open({ migrated: true });
		try {
			const load = await loadSyntheticLogs(db, LOG_ROWS);
			const consistent = await rollupsMatchLog(db);
			console.log(`\n   ${label}: loaded in ${load.seconds.toFixed(1)} s (rollups kept by the trigger), rollups equal the log: ${consistent ? 'yes' : 'NO'}`);
			console.log('   query          rollups p50   rollups p95   raw log p50   raw log p95   raw/rollups (p95)');
			const timings = await timeDashboard(db, load.adminId, runs);
			for (const timing of timings) {
				const raw = timing.raw ? `${timing.raw.p50.toFixed(1).padStart(11)}   ${timing.raw.p95.toFixed(1).padStart(11)}   ${(timing.raw.p95 / timing.rollups.p95).toFixed(0).padStart(8)}×` : '          –             –          –';
				console.log(`   ${timing.name.padEnd(13)}${timing.rollups.p50.toFixed(1).padStart(12)}   ${timing.rollups.p95.toFixed(1).padStart(11)}   ${raw}`);
			}
			const compared = timings.filter((timing) => timing.raw);
			const rollupTotal = compared.reduce((sum, timing) => sum + timing.rollups.p95, 0);
			const rawTotal = compared.reduce((sum, timing) => sum + (timing.raw?.p95 ?? 0), 0);
			const worst = Math.max(...timings.map((timing) => timing.rollups.p95));
			console.log(`   whole page (sum of p95s, ${compared.length} queries): rollups ${rollupTotal.toFixed(1)} ms vs raw ${rawTotal.toFixed(0)} ms = ${(rawTotal / rollupTotal).toFixed(0)}×; slowest rollup query p95 ${worst.toFixed(1)} ms ${worst <= ROLLUP_TARGET_MS ? '(within target)' : '(OVER target)'}`);
		} finally {
			await dispose();
		}
	}
}

async function main(): Promise<void> {
	if (process.env.BENCH_PART !== 'dashboards') await benchReservations();
	if (process.env.BENCH_PART !== 'reservations') await benchDashboards();
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	}
);

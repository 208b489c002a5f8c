import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/lib/server/db/client';
import { defineJob, JobQueue } from '../../src/lib/server/jobs';
import { pgBossDatabase } from '../../src/lib/server/jobs/pg-boss-db';
import { createUser } from '../support/fixtures';
import { createTestDatabase, testEngine, type TestDatabase } from '../support/test-database';

/** Fast timekeeping for tests: cron checked and cron jobs moved every second, queues polled every second. */
const FAST = { pollingIntervalSeconds: 1, cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 };

let test: TestDatabase;
const queues: JobQueue[] = [];
const extraDatabases: Database[] = [];

async function startQueue(db: Database = test.db): Promise<JobQueue> {
	const queue = await JobQueue.start(db, FAST);
	queues.push(queue);
	return queue;
}

async function stopQueue(queue: JobQueue): Promise<void> {
	await queue.stop(2_000);
	queues.splice(queues.indexOf(queue), 1);
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

beforeAll(async () => {
	test = await createTestDatabase({ poolSize: 8 });
});
afterAll(async () => {
	for (const queue of [...queues]) await queue.stop(2_000);
	for (const db of extraDatabases) await db.close();
	await test.dispose();
});

describe('job queue', () => {
	it('runs an enqueued job, retrying a failed attempt with its payload', async () => {
		const queue = await startQueue();
		const flaky = defineJob<{ documentId: string }>('test.flaky', { retryLimit: 2, retryDelaySeconds: 1 });
		const attempts: { attempt: number; documentId: string }[] = [];
		await queue.work(flaky, async (job) => {
			attempts.push({ attempt: job.attempt, documentId: job.data.documentId });
			if (job.attempt === 1) throw new Error('first attempt fails');
		});
		await queue.enqueue(flaky, { documentId: 'doc-1' });
		await until(() => attempts.length >= 2, 20_000);
		expect(attempts).toEqual([
			{ attempt: 1, documentId: 'doc-1' },
			{ attempt: 2, documentId: 'doc-1' }
		]);
		await stopQueue(queue);
	});

	it('keeps jobs across a restart: enqueued before, run by the next queue instance', async () => {
		const before = await startQueue();
		const ingest = defineJob<{ n: number }>('test.survives-restart');
		await before.ensureQueue(ingest.name);
		await before.enqueue(ingest, { n: 1 });
		await before.enqueue(ingest, { n: 2 });
		await stopQueue(before);

		const after = await startQueue();
		const seen: number[] = [];
		await after.work(ingest, async (job) => void seen.push(job.data.n));
		await until(() => seen.length >= 2, 15_000);
		expect(seen.sort()).toEqual([1, 2]);
		await stopQueue(after);
	});

	it('runs a recurring job soon after it is scheduled (on this engine too)', async () => {
		const queue = await startQueue();
		let runs = 0;
		await queue.schedule({ name: 'test.recurring-once', cron: '* * * * *', run: async () => void runs++ });
		await until(() => runs >= 1, 20_000);
		await stopQueue(queue);
	});
});

describe('job queue on the single-session embedded engine', () => {
	it('a failing BEGIN…COMMIT script rolls back instead of leaving the session in an aborted transaction', async () => {
		const boss = pgBossDatabase(test.db);
		await expect(boss.executeSql('BEGIN;\nSELECT 1/0;\nCOMMIT;', [])).rejects.toThrow(/division by zero/);
		const rows = await test.db.withSession((session) => session.query<{ ok: number }>('select 1 as ok'));
		expect(rows).toEqual([{ ok: 1 }]);
	});

	it('queue polls during an app transaction neither join nor break it', async () => {
		const queue = await startQueue();
		const user = await createUser(test.db, 'interleave');
		const marker = defineJob<{ at: number }>('test.interleave');
		const seen: number[] = [];
		await queue.work(marker, async (job) => void seen.push(job.data.at));

		// An interactive transaction that stays open while the queue polls (every second) and a job
		// is enqueued, then rolls back.
		let enqueued: Promise<string | null> | null = null;
		const rolledBack = test.db.prisma
			.$transaction(
				async (tx) => {
					await tx.analyticsEvent.create({ data: { userId: user.id, eventType: 'page_view', eventData: { route: '/rolled-back' } } });
					enqueued = queue.enqueue(marker, { at: 1 });
					await new Promise((resolve) => setTimeout(resolve, 1_500));
					throw new Error('roll back');
				},
				{ timeout: 20_000, maxWait: 20_000 }
			)
			.catch((error: unknown) => error);
		expect(await rolledBack).toBeInstanceOf(Error);
		expect(await enqueued).toBeTruthy();

		// The app's write was rolled back; the queue's job was not part of that transaction and runs.
		expect(await test.db.prisma.analyticsEvent.count({ where: { userId: user.id } })).toBe(0);
		await until(() => seen.length === 1, 15_000);
		// And the session is healthy for both afterwards.
		await expectTransactionsWork(test.db);
		await stopQueue(queue);
	});
});

async function expectTransactionsWork(db: Database): Promise<void> {
	const value = await db.prisma.$transaction(async (tx) => (await tx.$queryRaw<{ ok: number }[]>`select 1 as ok`)[0]?.ok);
	expect(value).toBe(1);
}

describe.runIf(testEngine === 'native')('recurring jobs across a cluster (native server)', () => {
	it('two queue instances on one database run a per-minute job once per minute, also across a restart', { timeout: 150_000 }, async () => {
		if (!test.url) throw new Error('native engine without a URL');
		// A second "process": its own pool and its own pg-boss instance on the same database.
		const otherDb = await openDatabase({ engine: 'postgres', url: test.url }, { poolSize: 4 });
		extraDatabases.push(otherDb);
		const runs: { minute: number; by: string }[] = [];
		const job = (by: string) => ({ name: 'test.every-minute', cron: '* * * * *', run: async () => void runs.push({ minute: Math.floor(Date.now() / 60_000), by }) });

		let first = await startQueue(test.db);
		const second = await startQueue(otherDb);
		await first.schedule(job('first'));
		await second.schedule(job('second'));

		// The first period's run comes within seconds; both instances keep checking the schedule
		// every second for the rest of the minute, and neither may run it again.
		await until(() => runs.length >= 1, 20_000);
		const firstMinute = runs[0]?.minute ?? 0;

		// Restart one instance. The new one only works the queue: the schedule comes from the database.
		await stopQueue(first);
		first = await startQueue(test.db);
		await first.work(defineJob<Record<string, never>>('test.every-minute', { policy: 'stately', retryLimit: 0 }), async () => {
			runs.push({ minute: Math.floor(Date.now() / 60_000), by: 'restarted' });
		});

		// Wait for the next period's run, plus time for any duplicate to show up.
		await until(() => runs.some((run) => run.minute > firstMinute), 80_000);
		await new Promise((resolve) => setTimeout(resolve, 5_000));

		const perMinute = new Map<number, number>();
		for (const run of runs) perMinute.set(run.minute, (perMinute.get(run.minute) ?? 0) + 1);
		expect([...perMinute.values()].every((count) => count === 1), JSON.stringify(runs)).toBe(true);
		expect(perMinute.size).toBeGreaterThanOrEqual(2);
		await stopQueue(first);
		await stopQueue(second);
	});
});

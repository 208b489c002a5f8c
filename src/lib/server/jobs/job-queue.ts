import PgBoss from 'pg-boss';
import type { Database } from '../db';
import { errorMessage } from '../errors';
import { logger } from '../logging/logger';
import { pgBossDatabase } from './pg-boss-db';

/** How a queue treats its jobs; stored with the queue in pg-boss, so every process agrees. */
export interface QueueSettings {
	/** 'standard' (default) queues everything; 'stately' keeps at most one queued and one active job. */
	policy?: 'standard' | 'short' | 'singleton' | 'stately';
	/** Attempts after the first when the handler throws (or the process dies mid-job). */
	retryLimit?: number;
	retryDelaySeconds?: number;
	/** Doubles the delay on each retry. */
	retryBackoff?: boolean;
	/** A job running longer than this is failed (and retried, if it has attempts left). */
	expireInSeconds?: number;
	/** Queue that receives jobs which failed their last attempt. */
	deadLetter?: string;
}

/** A kind of background job: its queue name and settings, and (by type only) its payload. */
export interface JobDefinition<Data extends object> {
	readonly name: string;
	readonly settings: QueueSettings;
	/** Never set: carries `Data` so `enqueue` and `work` agree on the payload type. */
	readonly payload?: Data;
}

export function defineJob<Data extends object>(name: string, settings: QueueSettings = {}): JobDefinition<Data> {
	return { name, settings };
}

export interface RunningJob<Data> {
	id: string;
	data: Data;
	/** 1 on the first attempt, 2 on the first retry, … */
	attempt: number;
}

export type JobHandler<Data> = (job: RunningJob<Data>) => Promise<void>;

export interface EnqueueOptions {
	/** Run no earlier than this many seconds from now. */
	startAfterSeconds?: number;
	/** With a 'short'/'singleton'/'stately' queue: at most one job per key is queued (or active). */
	singletonKey?: string;
	/** Higher runs first. */
	priority?: number;
}

export interface WorkOptions {
	/** Jobs of this queue this process runs at once (one polling worker each). */
	concurrency?: number;
	pollingIntervalSeconds?: number;
}

/** Work that runs once per cluster, on whichever process picks it up first. */
export interface RecurringJob {
	/** Queue name, e.g. 'metrics.sample'. */
	name: string;
	/** Five-field cron in UTC; pg-boss fires at most once a minute. */
	cron: string;
	run: (db: Database) => Promise<unknown>;
	settings?: QueueSettings;
}

export interface JobQueueOptions {
	/** Seconds between polls of each queue; defaults: 2 on a server, 5 on the embedded engine. */
	pollingIntervalSeconds?: number;
	/** How often each process checks whether a cron schedule is due (pg-boss default 30). */
	cronMonitorIntervalSeconds?: number;
	/** How often cron-fired jobs are moved to their queue (pg-boss default 5). */
	cronWorkerIntervalSeconds?: number;
	/** pg-boss maintenance (expiry, archive) interval; default 120 s, 300 s on the embedded engine. */
	maintenanceIntervalSeconds?: number;
}

/** Recurring work: one attempt, not piled up behind a slow run, and not retried (the next period runs anyway). */
const RECURRING_DEFAULTS: QueueSettings = { policy: 'stately', retryLimit: 0, expireInSeconds: 600 };

/**
 * A Postgres-backed job queue (pg-boss) over the app's database. Jobs and cron schedules live in
 * the `pgboss` schema, so they survive restarts and are shared by every process on the database:
 * a job is fetched by exactly one worker (SELECT … FOR UPDATE SKIP LOCKED), and a cron schedule
 * produces one job per period however many processes watch it.
 */
export class JobQueue {
	private constructor(
		private readonly boss: PgBoss,
		private readonly db: Database,
		private readonly pollingIntervalSeconds: number
	) {}

	static async start(db: Database, options: JobQueueOptions = {}): Promise<JobQueue> {
		const embedded = db.engine === 'pglite';
		const boss = new PgBoss({
			db: pgBossDatabase(db),
			schedule: true,
			supervise: true,
			migrate: true,
			cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds ?? 30,
			cronWorkerIntervalSeconds: options.cronWorkerIntervalSeconds ?? 5,
			maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? (embedded ? 300 : 120),
			// Finished jobs are kept a week for inspection, then deleted by maintenance.
			deleteAfterDays: 7
		});
		boss.on('error', (error: unknown) => logger.warn({ err: error }, 'job queue error'));
		await boss.start();
		return new JobQueue(boss, db, options.pollingIntervalSeconds ?? (embedded ? 5 : 2));
	}

	/** Creates the queue, or brings its settings up to date (several processes may race here). */
	async ensureQueue(name: string, settings: QueueSettings = {}): Promise<void> {
		// pg-boss checks options by presence (`'deadLetter' in options`), so unset ones are left out.
		const queue: PgBoss.Queue = { name, policy: settings.policy ?? 'standard' };
		if (settings.retryLimit !== undefined) queue.retryLimit = settings.retryLimit;
		if (settings.retryDelaySeconds !== undefined) queue.retryDelay = settings.retryDelaySeconds;
		if (settings.retryBackoff !== undefined) queue.retryBackoff = settings.retryBackoff;
		if (settings.expireInSeconds !== undefined) queue.expireInSeconds = settings.expireInSeconds;
		if (settings.deadLetter !== undefined) queue.deadLetter = settings.deadLetter;
		if (settings.deadLetter) await this.ensureQueue(settings.deadLetter);
		if (!(await this.boss.getQueue(name))) {
			try {
				await this.boss.createQueue(name, queue);
				return;
			} catch (error) {
				// Another process created it first; fall through and update it instead.
				if (!(await this.boss.getQueue(name))) throw error;
			}
		}
		await this.boss.updateQueue(name, queue);
	}

	async enqueue<Data extends object>(job: JobDefinition<Data>, data: Data, options: EnqueueOptions = {}): Promise<string | null> {
		return this.boss.send(job.name, data, {
			...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
			...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
			...(options.priority ? { priority: options.priority } : {})
		});
	}

	/** Runs `handler` for each job of this kind; a throw fails the attempt (retried per the queue's settings). */
	async work<Data extends object>(job: JobDefinition<Data>, handler: JobHandler<Data>, options: WorkOptions = {}): Promise<void> {
		await this.ensureQueue(job.name, job.settings);
		const workOptions = { batchSize: 1, includeMetadata: true as const, pollingIntervalSeconds: options.pollingIntervalSeconds ?? this.pollingIntervalSeconds };
		for (let worker = 0; worker < (options.concurrency ?? 1); worker++) {
			await this.boss.work<Data>(job.name, workOptions, async (jobs) => {
				for (const running of jobs) {
					await handler({ id: running.id, data: running.data, attempt: running.retryCount + 1 });
				}
			});
		}
	}

	/** Registers cron-driven work: at most one run per period across every process sharing the database. */
	async schedule(recurring: RecurringJob): Promise<void> {
		const job = defineJob<Record<string, never>>(recurring.name, { ...RECURRING_DEFAULTS, ...recurring.settings });
		await this.work(job, async () => {
			const started = performance.now();
			try {
				await recurring.run(this.db);
				logger.debug({ job: recurring.name, ms: Math.round(performance.now() - started) }, 'recurring job done');
			} catch (error) {
				logger.warn({ job: recurring.name, err: error }, `recurring job failed: ${errorMessage(error)}`);
				throw error;
			}
		});
		await this.boss.schedule(recurring.name, recurring.cron, {}, { tz: 'UTC' });
	}

	/** Stops polling and waits (up to `timeoutMs`) for running jobs; unfinished ones are failed, so they retry. */
	async stop(timeoutMs = 10_000): Promise<void> {
		await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
	}
}

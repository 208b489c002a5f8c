import type { Database } from '../db';
import { logger } from '../logging/logger';
import { JobQueue, type JobQueueOptions, type RecurringJob } from './job-queue';

export { defineJob, JobQueue } from './job-queue';
export type { EnqueueOptions, JobDefinition, JobHandler, QueueSettings, RecurringJob, RunningJob, WorkOptions } from './job-queue';

let current: Promise<JobQueue> | undefined;

/**
 * Starts this process's job queue and registers the recurring jobs (idempotent: a second call
 * returns the same queue). Background workers — e.g. knowledge ingestion — register with
 * `(await getJobQueue()).work(definition, handler)`.
 */
export function startJobQueue(db: Database, recurring: readonly RecurringJob[], options?: JobQueueOptions): Promise<JobQueue> {
	current ??= (async () => {
		const started = performance.now();
		const queue = await JobQueue.start(db, options);
		for (const job of recurring) await queue.schedule(job);
		logger.info({ ms: Math.round(performance.now() - started), recurring: recurring.map((job) => job.name) }, 'job queue started');
		return queue;
	})();
	return current;
}

/** The running queue (to enqueue or work on jobs); throws if the server didn't start one. */
export function getJobQueue(): Promise<JobQueue> {
	if (!current) return Promise.reject(new Error('The job queue has not been started (startJobQueue at boot).'));
	return current;
}

/** Stops polling and lets running jobs finish; called on shutdown before the database closes. */
export async function stopJobQueue(timeoutMs?: number): Promise<void> {
	const running = current;
	current = undefined;
	const queue = await running?.catch(() => null);
	await queue?.stop(timeoutMs);
}

import { stopUseLite } from './ai/use-lite-embedding';
import { closeAnalytics } from './analytics';
import { followModelCatalog } from './chat/model-catalog-events';
import type { Database } from './db';
import { startJobQueue, stopJobQueue } from './jobs';
import { followEmbedderChanges } from './knowledge/active-embedder';
import { startKnowledgeWork } from './knowledge/worker';
import { RECURRING_JOBS } from './jobs/recurring';
import { logger } from './logging/logger';
import { observeUpstreamCall, startInstanceReporting, stopInstanceReporting } from './metrics';
import { setUpstreamObserver } from './services';
import { appServices } from './trpc/context';

/**
 * Starts what runs beside request handling: this process's metrics report, and the job queue with
 * the recurring jobs. The queue starts in the background — the first request doesn't wait for
 * pg-boss to check (or, on a new database, create) its schema.
 */
let stopFollowingModels: Promise<(() => Promise<void>) | null> = Promise.resolve(null);
let stopFollowingEmbedders: Promise<(() => Promise<void>) | null> = Promise.resolve(null);

export function startBackgroundWork(db: Database): void {
	setUpstreamObserver({ observe: observeUpstreamCall });
	stopFollowingModels = followModelCatalog(db).catch((error: unknown) => {
		logger.error({ err: error }, 'cannot follow model changes; model lists refresh within a minute instead');
		return null;
	});
	stopFollowingEmbedders = followEmbedderChanges(db).catch((error: unknown) => {
		logger.error({ err: error }, 'cannot follow embedder changes; the active embedder is read on every search instead');
		return null;
	});
	startInstanceReporting(db);
	void startJobQueue(db, RECURRING_JOBS)
		.then((queue) => startKnowledgeWork(db, queue, appServices()))
		.catch((error: unknown) => logger.error({ err: error }, 'job queue failed to start'));
}

/** Shutdown, before the database closes: running jobs finish (or are failed, to retry), buffered figures and events are written. */
export async function stopBackgroundWork(): Promise<void> {
	await stopJobQueue(5_000).catch((error: unknown) => logger.warn({ err: error }, 'job queue did not stop cleanly'));
	await stopUseLite(); // the model threads, and any batch still queued for them (its job retries)
	await (await stopFollowingModels)?.();
	await (await stopFollowingEmbedders)?.();
	await stopInstanceReporting();
	await closeAnalytics();
}

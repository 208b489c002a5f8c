import { getJobQueue } from '../jobs';
import type { IngestionScheduler } from '../services';
import { INGEST_JOB } from './ingestion';
import { REEMBED_JOB } from './reembed';

/** Documents go to the cluster's job queue: one job per document, whichever process takes it. */
export const queueIngestion: IngestionScheduler = {
	async schedule(documentId) {
		const queue = await getJobQueue();
		await queue.enqueue(INGEST_JOB, { documentId }, { singletonKey: documentId });
	},
	async scheduleReembedding(embedder, requestedBy) {
		const queue = await getJobQueue();
		await queue.enqueue(REEMBED_JOB, { embedder, requestedBy }, { singletonKey: embedder });
	}
};

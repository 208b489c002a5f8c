import { AppError } from '../errors';
import { defineJob } from '../jobs/job-queue';
import type { UserTransaction } from '../db';
import type { GovernedDeps } from '../usage/governed-call';
import { chunksToReembed, countChunksNotEmbeddedBy, promotePendingEmbeddings, refreshEmbeddedCounts, storePendingEmbeddings } from './chunks.repo';
import { activate, buildingEmbedder, embedderByName, markBuilding } from './embedders.repo';
import { EMBED_BATCH, embedChunks } from './ingestion';

/**
 * Re-embedding after an admin picks another embedder: every chunk gets the new embedder's vector
 * in `pending_embedding` while search keeps using the live ones; when none is left, one
 * transaction promotes them and makes the new embedder active. Resumable (a restart continues
 * with the chunks still lacking a pending vector) and charged to the admin who asked.
 */

export interface ReembedJobData {
	embedder: string;
	requestedBy: string;
}

export const REEMBED_JOB = defineJob<ReembedJobData>('knowledge.reembed', { policy: 'stately', retryLimit: 5, retryDelaySeconds: 30, expireInSeconds: 3600 });

export interface ReembedProgress {
	embedder: string;
	remaining: number;
	total: number;
}

/**
 * Marks `embedder` as the one being built (the admin's request, before the job runs), in the
 * caller's transaction: the admin action writes its audit row in the same one.
 */
export async function beginReembedding(tx: UserTransaction, embedder: string): Promise<void> {
	const target = await embedderByName(tx, embedder);
	if (!target) throw new AppError('NOT_FOUND', `There is no embedder called ${embedder}.`);
	if (target.state === 'active') throw new AppError('CONFLICT', `${embedder} is already the active embedder.`);
	await markBuilding(tx, embedder);
}

export async function runReembedding(deps: GovernedDeps, data: ReembedJobData, options: { signal?: AbortSignal; onBatch?: (progress: ReembedProgress) => Promise<void> | void } = {}): Promise<'switched' | 'superseded'> {
	const prisma = deps.db.prisma;
	const building = await buildingEmbedder(prisma);
	if (!building || building.embedder.name !== data.embedder) return 'superseded';
	for (;;) {
		options.signal?.throwIfAborted();
		const batch = await chunksToReembed(prisma, data.embedder, EMBED_BATCH);
		if (batch.length === 0) break;
		const vectors = await embedChunks(deps, building, batch, data.requestedBy, options.signal);
		await prisma.$transaction((tx) =>
			storePendingEmbeddings(
				tx,
				building.embedder,
				batch.map((chunk, index) => ({ id: chunk.id, vector: vectors[index] ?? [] }))
			)
		);
		if (options.onBatch) await options.onBatch({ embedder: data.embedder, ...(await countChunksNotEmbeddedBy(prisma, data.embedder)) });
	}
	await prisma.$transaction(async (tx) => {
		await promotePendingEmbeddings(tx, building.embedder);
		await activate(tx, data.embedder);
		await refreshEmbeddedCounts(tx, data.embedder);
	});
	return 'switched';
}

export async function reembedProgress(deps: GovernedDeps): Promise<ReembedProgress | null> {
	const building = await buildingEmbedder(deps.db.prisma);
	if (!building) return null;
	return { embedder: building.embedder.name, ...(await countChunksNotEmbeddedBy(deps.db.prisma, building.embedder.name)) };
}

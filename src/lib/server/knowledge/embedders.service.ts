import type { GovernedDeps } from '../usage/governed-call';
import { asUser } from '../db';
import { listEmbedders } from './embedders.repo';
import { beginReembedding, reembedProgress } from './reembed';

export async function listKnowledgeEmbedders(deps: GovernedDeps, userId: string) {
	const [rows, progress] = await Promise.all([asUser(deps.db, userId, listEmbedders), reembedProgress(deps)]);
	return {
		embedders: rows.map(({ embedder, state }) => ({ ...embedder, state })),
		reembedding: progress
	};
}

/** The admin action: build `embedder`'s vectors in the background, then switch search to it. */
export async function startReembedding(deps: GovernedDeps, adminId: string, embedder: string): Promise<{ started: true }> {
	await beginReembedding(deps, embedder);
	await deps.services.ingestion.scheduleReembedding(embedder, adminId);
	return { started: true };
}

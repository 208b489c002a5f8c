import type { AdminActor } from '../admin/audit.repo';
import { recordAdminChange } from '../admin/audit.repo';
import { asAdmin } from '../admin/admin-tx';
import type { GovernedDeps } from '../usage/governed-call';
import { asUser } from '../db';
import { chunkCountsByEmbedder, listEmbedders } from './embedders.repo';
import { beginReembedding, reembedProgress } from './reembed';

export async function listKnowledgeEmbedders(deps: GovernedDeps, userId: string) {
	// Chunk counts span every user's documents: read with the app's own client, like the progress.
	const [rows, progress, counts] = await Promise.all([asUser(deps.db, userId, listEmbedders), reembedProgress(deps), chunkCountsByEmbedder(deps.db.prisma)]);
	return {
		embedders: rows.map(({ embedder, state }) => ({ ...embedder, state, chunksEmbedded: counts.get(embedder.name) ?? 0 })),
		reembedding: progress
	};
}

/** The admin action: build `embedder`'s vectors in the background, then switch search to it. Audited in the same transaction. */
export async function startReembedding(deps: GovernedDeps, actor: AdminActor, embedder: string): Promise<{ started: true }> {
	const before = await reembedProgress(deps);
	await asAdmin(deps.db, actor, async (tx) => {
		await beginReembedding(tx, embedder);
		await recordAdminChange(tx, actor, {
			action: 'embedder.reembed',
			targetType: 'embedder',
			targetId: embedder,
			targetLabel: embedder,
			before: before ? { building: before.embedder } : null,
			after: { building: embedder }
		});
	});
	await deps.services.ingestion.scheduleReembedding(embedder, actor.id);
	return { started: true };
}

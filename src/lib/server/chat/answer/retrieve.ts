import { AppError } from '../../errors';
import { searchChunks } from '../../knowledge/search.service';
import type { ChatDeps, PreparedAnswer, RetrievedContext } from './types';

/** Passages retrieved per question; the prompt step keeps those that fit its budget. */
export const RETRIEVED_PASSAGES = 6;

/**
 * Finds the knowledge base passages for the question (hybrid search, as the caller: row level
 * security applies), outside any transaction since embedding the query may call a model. Model
 * answers and the offline assistant get the same passages. If the query can't be embedded (the
 * embedder is down, or its quota is spent), the answer goes on with keyword search alone.
 */
export async function retrieveContext(deps: ChatDeps, prepared: PreparedAnswer): Promise<RetrievedContext> {
	if (!prepared.useKnowledge) return { passages: [] };
	const question = prepared.history.at(-1)?.content.trim() ?? '';
	if (!question) return { passages: [] };
	const query = { query: question.slice(0, 2000), limit: RETRIEVED_PASSAGES };
	const found = await searchChunks(deps, prepared.userId, { ...query, mode: 'hybrid' }).catch(async (error: unknown) => {
		if (error instanceof AppError && error.code !== 'TOO_MANY_REQUESTS') throw error;
		deps.services.logger.warn({ err: error, userId: prepared.userId }, 'query embedding failed; answering with keyword search');
		return searchChunks(deps, prepared.userId, { ...query, mode: 'text' });
	});
	return {
		passages: found.chunks.map((chunk) => ({
			chunkId: chunk.id,
			documentId: chunk.documentId,
			title: chunk.title,
			content: chunk.content,
			source: chunk.source,
			category: chunk.categoryName,
			headingPath: chunk.headingPath,
			page: chunk.page,
			score: chunk.rank.score,
			textScore: chunk.rank.textScore,
			similarity: chunk.rank.similarity
		}))
	};
}

import { AppError } from '../../errors';
import { searchForAnswer } from '../../knowledge/search.service';
import type { ChatDeps, PreparedAnswer, RetrievedContext } from './types';

/** Passages retrieved per question; the prompt step keeps those that fit its budget. */
export const RETRIEVED_PASSAGES = 6;

export interface Retrieval {
	context: RetrievedContext;
	/** Settles the query embedding's governed call; run it once the answer's upstream request has started. */
	settleEmbedding: () => Promise<void>;
}

const nothingToSettle = async () => undefined;

/**
 * Finds the knowledge base passages for the question (hybrid search, as the caller: row level
 * security applies), outside any transaction since embedding the query may call a model. Model
 * answers and the offline assistant get the same passages. If the query can't be embedded (the
 * embedder is down, or its quota is spent), the answer goes on with keyword search alone.
 */
export async function retrieveContext(deps: ChatDeps, prepared: PreparedAnswer): Promise<Retrieval> {
	if (!prepared.useKnowledge) return { context: { passages: [] }, settleEmbedding: nothingToSettle };
	const query = (prepared.history.at(-1)?.content ?? '').trim().slice(0, 2000);
	if (!query) return { context: { passages: [] }, settleEmbedding: nothingToSettle };
	const input = { query, limit: RETRIEVED_PASSAGES };
	const found = await searchForAnswer(deps, prepared.userId, { ...input, mode: 'hybrid' }).catch(async (error: unknown) => {
		if (error instanceof AppError && error.code !== 'TOO_MANY_REQUESTS') throw error;
		deps.services.logger.warn({ err: error, userId: prepared.userId }, 'query embedding failed; answering with keyword search');
		return searchForAnswer(deps, prepared.userId, { ...input, mode: 'text' });
	});
	return {
		settleEmbedding: found.settle,
		context: {
			passages: found.outcome.chunks.map((chunk) => ({
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
		}
	};
}

import { AppError } from '../../errors';
import { searchForAnswer, type SearchOutcome } from '../../knowledge/search.service';
import type { ChatDeps, PreparedAnswer, RetrievedContext } from './types';

/** Passages retrieved per question; the prompt step keeps those that fit its budget. */
export const RETRIEVED_PASSAGES = 6;

export interface Retrieval {
	context: RetrievedContext;
	/** Settles the query embedding's governed call; run it once the answer's upstream request has started. */
	settleEmbedding: () => Promise<void>;
}

/**
 * Retrieval either ends at its keyword step or needs the question embedded first: a governed call,
 * so the pipeline books the answer before calling `finish`.
 */
export type RetrievalStep = { done: true; retrieval: Retrieval } | { done: false; finish: () => Promise<Retrieval> };

const nothingToSettle = async (): Promise<void> => undefined;
const nothing: RetrievalStep = { done: true, retrieval: { context: { passages: [] }, settleEmbedding: nothingToSettle } };

/**
 * Finds the knowledge base passages for the question (hybrid search, as the caller: row level
 * security applies), outside any transaction since embedding the query may call a model. Model
 * answers and the offline assistant get the same passages. If the query can't be embedded (the
 * embedder is down, or its quota is spent), the answer goes on with keyword search alone.
 */
export async function startRetrieval(deps: ChatDeps, prepared: PreparedAnswer): Promise<RetrievalStep> {
	if (!prepared.useKnowledge) return nothing;
	const query = (prepared.history.at(-1)?.content ?? '').trim().slice(0, 2000);
	if (!query) return nothing;
	const search = await searchForAnswer(deps, prepared.userId, { query, limit: RETRIEVED_PASSAGES });
	if (search.complete) return { done: true, retrieval: { context: toContext(search.outcome), settleEmbedding: nothingToSettle } };
	return {
		done: false,
		async finish() {
			const found = await search.embedAndFuse().catch(async (error: unknown) => {
				if (error instanceof AppError && error.code !== 'TOO_MANY_REQUESTS') throw error;
				deps.services.logger.warn({ err: error, userId: prepared.userId }, 'query embedding failed; answering with keyword search');
				return { outcome: await search.keywordsOnly(), settle: nothingToSettle };
			});
			return { context: toContext(found.outcome), settleEmbedding: found.settle };
		}
	};
}

function toContext(outcome: SearchOutcome): RetrievedContext {
	return {
		passages: outcome.chunks.map((chunk) => ({
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

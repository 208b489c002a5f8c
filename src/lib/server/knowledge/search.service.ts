import type { SearchMode, SearchResponse, SearchResult, SnippetPart } from '$lib/knowledge/types';
import type { SearchInput } from '$lib/schemas/knowledge';
import { countTextTokens } from '../ai/token-count';
import { asUser, type UserTransaction } from '../db';
import { governedCallSettledLater, type GovernedDeps, type SettledLater } from '../usage/governed-call';
import { embeddingProviderOf, type EmbedderModel } from './embedders';
import { activeEmbedderOf } from './active-embedder';
import { anyVectorsFrom, chunkDetails, fuseHybrid, hasChunksWithoutVectors, MARK_END, MARK_START, textSearch, vectorSearch, type ChunkDetails, type RankedChunk } from './search.repo';

const DEFAULT_LIMIT = 10;
/** Keyword and vector candidates fused by a hybrid search (as knowledge_hybrid_search's default). */
const HYBRID_CANDIDATES = 50;

export interface FoundChunk extends ChunkDetails {
	rank: RankedChunk;
}

export interface SearchOutcome {
	mode: SearchMode;
	embedder: string | null;
	vectorsIncomplete: boolean;
	chunks: FoundChunk[];
}

/**
 * The search the API and the evaluation use. The query is embedded outside any transaction (a
 * model call) as a governed call charged to the searcher, while BM25 runs; then the vector side
 * and the fusion (knowledge_hybrid_fuse). All SQL runs as the searcher, so row level security
 * applies to every part of it.
 */
export async function searchChunks(deps: GovernedDeps, userId: string, input: SearchInput, signal?: AbortSignal): Promise<SearchOutcome> {
	const mode = input.mode ?? 'hybrid';
	const limit = input.limit ?? DEFAULT_LIMIT;
	const categoryId = input.categoryId ?? null;
	// Which embedder is active (kept in memory), and whether it has made any vectors yet (else the
	// query isn't embedded): facts about the knowledge base, not about anyone's documents, so read
	// as the app rather than in a user transaction, a round trip saved before the embedder starts.
	const active = await activeEmbedderOf(deps.db);
	const anyVectors = mode !== 'text' && (await anyVectorsFrom(deps.db.prisma, active.embedder.name));
	const keywords = mode === 'vector' ? Promise.resolve([]) : asUser(deps.db, userId, (tx) => textSearch(tx, input.query, mode === 'text' ? limit : HYBRID_CANDIDATES, categoryId));
	const embedding = anyVectors ? embedQuery(deps, userId, active, input.query, signal) : Promise.resolve(null);
	const [text, embedded] = await Promise.allSettled([keywords, embedding]);
	const settle = embedded.status === 'fulfilled' && embedded.value ? embedded.value.settle : nothingToSettle;
	try {
		if (text.status === 'rejected') throw text.reason;
		if (embedded.status === 'rejected') throw embedded.reason;
		const vector = embedded.value?.value ?? null;
		return await asUser(deps.db, userId, async (tx) => {
			const outcome =
				mode === 'hybrid'
					? await fused(tx, active, text.value, vector, limit, categoryId, input.query)
					: await withDetails(tx, active, mode, mode === 'text' ? text.value : vector ? await vectorSearch(tx, vector, active.embedder.name, limit, categoryId) : [], input.query);
			return { ...outcome, vectorsIncomplete: mode !== 'text' && (await hasChunksWithoutVectors(tx, active.embedder.name)) };
		});
	} finally {
		await settle();
	}
}

/** A chat answer's search: complete after its keyword step, or waiting for the question to be embedded. */
export type AnswerSearch = { complete: true; outcome: SearchOutcome } | ({ complete: false } & PendingAnswerSearch);

export interface PendingAnswerSearch {
	/**
	 * Embeds the question (a governed call, charged to the asker) and fuses both sides. Its usage is
	 * logged by `settle`, which the caller runs once the answer's upstream request is on its way.
	 */
	embedAndFuse: () => Promise<{ outcome: SearchOutcome; settle: () => Promise<void> }>;
	/** The keyword side alone, for when the question can't be embedded. */
	keywordsOnly: () => Promise<SearchOutcome>;
}

/**
 * A chat answer's hybrid search, in two steps so the answer can be booked against the quota before
 * its question is embedded (a refused send then spends nothing) and not at all when no embedding
 * is needed. The first step is one transaction as the asker: BM25, and when that decides the
 * sources (below) or there are no vectors to compare with, the fusion and the passages too.
 *
 * With a vector weight of 0 (USE-lite's, measured: see 048) the vector side only ranks chunks after
 * every keyword match, so once BM25 has `limit` matches it cannot change the sources: the question
 * is not embedded at all (no model run, no usage row). The search API still embeds, to report each
 * part's score.
 */
export async function searchForAnswer(deps: GovernedDeps, userId: string, input: { query: string; limit: number }): Promise<AnswerSearch> {
	const active = await activeEmbedderOf(deps.db);
	const keywordsDecide = active.embedder.vectorWeight === 0;
	const first = await asUser(deps.db, userId, async (tx) => {
		// Fewer than `limit` matches in all means the same list as HYBRID_CANDIDATES would give.
		const text = await textSearch(tx, input.query, keywordsDecide ? input.limit : HYBRID_CANDIDATES, null);
		if ((keywordsDecide && text.length >= input.limit) || !(await anyVectorsFrom(tx, active.embedder.name))) {
			return { text, outcome: await fused(tx, active, text, null, input.limit, null, null) };
		}
		return { text, outcome: null };
	});
	if (first.outcome) return { complete: true, outcome: first.outcome };
	const fuseWith = (vector: number[] | null) => asUser(deps.db, userId, (tx) => fused(tx, active, first.text, vector, input.limit, null, null));
	return {
		complete: false,
		keywordsOnly: () => fuseWith(null),
		async embedAndFuse() {
			const embedded = await embedQuery(deps, userId, active, input.query);
			try {
				return { outcome: await fuseWith(embedded.value), settle: embedded.settle };
			} catch (error) {
				await embedded.settle();
				throw error;
			}
		}
	};
}

const nothingToSettle = async (): Promise<void> => undefined;

/** A hybrid search's fusion (the vector side run now, the keyword side given), with the chunks' text and document. */
async function fused(tx: UserTransaction, active: EmbedderModel, text: RankedChunk[], vector: number[] | null, limit: number, categoryId: string | null, highlight: string | null): Promise<SearchOutcome> {
	const found = await fuseHybrid(
		tx,
		{ text, embedding: vector, embedder: active.embedder.name, limit, categoryId, textWeight: active.embedder.textWeight, vectorWeight: active.embedder.vectorWeight, candidates: HYBRID_CANDIDATES },
		highlight
	);
	return { mode: 'hybrid', embedder: active.embedder.name, vectorsIncomplete: false, chunks: found.map(({ rank, details }) => ({ ...details, rank })) };
}

/** Ranked chunks with their text and document (chunks the searcher can't read drop out), snippets marking `highlight`'s words. */
async function withDetails(tx: UserTransaction, active: EmbedderModel, mode: SearchMode, ranked: RankedChunk[], highlight: string | null): Promise<SearchOutcome> {
	const details = await chunkDetails(
		tx,
		ranked.map((chunk) => chunk.id),
		highlight
	);
	return {
		mode,
		embedder: mode === 'text' ? null : active.embedder.name,
		vectorsIncomplete: false,
		chunks: ranked.flatMap((rank) => {
			const found = details.get(rank.id);
			return found ? [{ ...found, rank }] : [];
		})
	};
}

/** The query's vector from the active embedder, through the governed call (quota, usage log), settled when the caller says. */
async function embedQuery(deps: GovernedDeps, userId: string, active: EmbedderModel, query: string, signal?: AbortSignal): Promise<SettledLater<number[]>> {
	const provider = embeddingProviderOf(deps.services, active);
	const promptTokens = countTextTokens(query);
	return governedCallSettledLater(
		deps,
		{
			userId,
			endpoint: 'embedding',
			provider: provider.name,
			model: pricedModelOf(active),
			promptTokens,
			maxOutputTokens: 0,
			minOutputTokens: 0,
			countsAsRequest: false
		},
		async () => {
			const [vector] = await provider.embed([query], signal);
			if (!vector) throw new Error('the embedder returned no vector');
			return { value: vector, usage: { promptTokens, completionTokens: 0 } };
		}
	);
}

export function pricedModelOf({ embedder, model }: EmbedderModel) {
	return model ?? { modelName: embedder.name, inputPricePer1m: '0', outputPricePer1m: '0' };
}

export function toSnippet(headline: string): SnippetPart[] {
	const parts: SnippetPart[] = [];
	for (const piece of headline.split(MARK_START)) {
		const end = piece.indexOf(MARK_END);
		if (end < 0) {
			if (piece) parts.push({ text: piece, match: false });
			continue;
		}
		parts.push({ text: piece.slice(0, end), match: true });
		if (end + 1 < piece.length) parts.push({ text: piece.slice(end + 1), match: false });
	}
	return parts;
}

export function toSearchResult(chunk: FoundChunk): SearchResult {
	const { rank } = chunk;
	return {
		chunkId: chunk.id,
		documentId: chunk.documentId,
		title: chunk.title,
		source: chunk.source,
		category: chunk.categoryId && chunk.categoryName ? { id: chunk.categoryId, name: chunk.categoryName, color: chunk.categoryColor } : null,
		headingPath: chunk.headingPath,
		page: chunk.page,
		chunkIndex: chunk.chunkIndex,
		snippet: toSnippet(chunk.headline),
		score: rank.score,
		text: rank.textRank !== null && rank.textScore !== null ? { rank: rank.textRank, score: rank.textScore } : null,
		vector: rank.vectorRank !== null && rank.similarity !== null ? { rank: rank.vectorRank, similarity: rank.similarity } : null
	};
}

export async function searchKnowledge(deps: GovernedDeps, userId: string, input: SearchInput): Promise<SearchResponse> {
	const outcome = await searchChunks(deps, userId, input);
	return { mode: outcome.mode, embedder: outcome.embedder, vectorsIncomplete: outcome.vectorsIncomplete, results: outcome.chunks.map(toSearchResult) };
}

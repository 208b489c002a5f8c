import type { SearchMode, SearchResponse, SearchResult, SnippetPart } from '$lib/knowledge/types';
import type { SearchInput } from '$lib/schemas/knowledge';
import { countTextTokens } from '../ai/token-count';
import { asUser } from '../db';
import type { EmbeddingProvider } from '../ai/provider';
import { governedCallSettledLater, type GovernedDeps, type SettledLater } from '../usage/governed-call';
import { embeddingProviderOf, type EmbedderModel } from './embedders';
import { activeEmbedder } from './embedders.repo';
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

async function embedOne(provider: EmbeddingProvider, query: string, signal?: AbortSignal): Promise<number[]> {
	const [vector] = await provider.embed([query], signal);
	if (!vector) throw new Error('the embedder returned no vector');
	return vector;
}

/**
 * The one search the API, the chat's retrieve step and the evaluation use. The query is embedded
 * outside any transaction (a model call) as a governed call charged to the searcher, while BM25
 * runs; then the vector side and the fusion (knowledge_hybrid_fuse). All SQL runs as the
 * searcher, so row level security applies to every part of it.
 */
export async function searchChunks(deps: GovernedDeps, userId: string, input: SearchInput, signal?: AbortSignal): Promise<SearchOutcome> {
	const { outcome, settle } = await runSearch(deps, userId, input, { signal, forAnswer: false });
	await settle();
	return outcome;
}

/**
 * searchChunks for a chat answer: skips the "vectors still filling in" check (the chat doesn't
 * show it) and leaves the query embedding's settle (its usage log write) to the caller, to run
 * once the answer's upstream request is on its way.
 */
export function searchForAnswer(deps: GovernedDeps, userId: string, input: SearchInput): Promise<{ outcome: SearchOutcome; settle: () => Promise<void> }> {
	return runSearch(deps, userId, input, { forAnswer: true });
}

interface RunOptions {
	signal?: AbortSignal;
	forAnswer: boolean;
}

const nothingToSettle = async () => undefined;

async function runSearch(deps: GovernedDeps, userId: string, input: SearchInput, options: RunOptions): Promise<{ outcome: SearchOutcome; settle: () => Promise<void> }> {
	const mode = input.mode ?? 'hybrid';
	const limit = input.limit ?? DEFAULT_LIMIT;
	const categoryId = input.categoryId ?? null;
	// Which embedder is active, and whether it has made any vectors yet (else the query isn't
	// embedded): facts about the knowledge base, not about anyone's documents, so read as the app in
	// two plain statements rather than a user transaction, a round trip saved before the embedder starts.
	const active = await activeEmbedder(deps.db.prisma);
	const anyVectors = mode !== 'text' && (await anyVectorsFrom(deps.db.prisma, active.embedder.name));
	const keywords = mode === 'vector' ? Promise.resolve(null) : asUser(deps.db, userId, (tx) => textSearch(tx, input.query, mode === 'text' ? limit : HYBRID_CANDIDATES, categoryId));
	const embedding = anyVectors ? embedUnlessKeywordsDecide(deps, userId, active, input.query, options, keywords, textDecides(active, mode, limit, options)) : Promise.resolve(null);
	const [text, embedded] = await Promise.allSettled([keywords, embedding]);
	const settle = embedded.status === 'fulfilled' && embedded.value ? embedded.value.settle : nothingToSettle;
	try {
		if (text.status === 'rejected') throw text.reason;
		if (embedded.status === 'rejected') throw embedded.reason;
		const vector = embedded.value?.value ?? null;
		const outcome = await asUser(deps.db, userId, async (tx) => {
			let ranked: RankedChunk[];
			if (mode === 'text') ranked = text.value ?? [];
			else if (mode === 'vector') ranked = vector ? await vectorSearch(tx, vector, active.embedder.name, limit, categoryId) : [];
			else
				ranked = await fuseHybrid(tx, {
					text: text.value ?? [],
					embedding: vector,
					embedder: active.embedder.name,
					limit,
					categoryId,
					textWeight: active.embedder.textWeight,
					vectorWeight: active.embedder.vectorWeight,
					candidates: HYBRID_CANDIDATES
				});
			const details = await chunkDetails(
				tx,
				ranked.map((chunk) => chunk.id),
				input.query
			);
			const incomplete = mode === 'text' || options.forAnswer ? false : await hasChunksWithoutVectors(tx, active.embedder.name);
			return {
				mode,
				embedder: mode === 'text' ? null : active.embedder.name,
				vectorsIncomplete: incomplete,
				chunks: ranked.flatMap((rank) => {
					const found = details.get(rank.id);
					return found ? [{ ...found, rank }] : [];
				})
			};
		});
		return { outcome, settle };
	} catch (error) {
		await settle();
		throw error;
	}
}

/**
 * With a vector weight of 0 (USE-lite's, measured: see 048) the vector side only ranks chunks after
 * every keyword match, so once BM25 has `limit` matches it cannot change the results. A chat
 * answer then skips embedding its question (no model run, no usage row); the search API still
 * embeds, to report each part's score.
 */
function textDecides(active: EmbedderModel, mode: SearchMode, limit: number, options: RunOptions): number | null {
	return options.forAnswer && mode === 'hybrid' && active.embedder.vectorWeight === 0 ? limit : null;
}

/** embedQuery, while BM25 runs; or after it, only if it found fewer than `decidingCount` matches. */
async function embedUnlessKeywordsDecide(
	deps: GovernedDeps,
	userId: string,
	active: EmbedderModel,
	query: string,
	options: RunOptions,
	keywords: Promise<RankedChunk[] | null>,
	decidingCount: number | null
): Promise<SettledLater<number[]> | null> {
	if (decidingCount !== null) {
		const found = await keywords.catch(() => null);
		if (found && found.length >= decidingCount) return null;
	}
	return embedQuery(deps, userId, active, query, options);
}

/** The query's vector from the active embedder, through the governed call (quota, usage log), settled when the caller says. */
async function embedQuery(deps: GovernedDeps, userId: string, active: EmbedderModel, query: string, options: RunOptions): Promise<SettledLater<number[]>> {
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
		async () => ({ value: await embedOne(provider, query, options.signal), usage: { promptTokens, completionTokens: 0 } })
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

import type { SearchMode, SearchResponse, SearchResult, SnippetPart } from '$lib/knowledge/types';
import type { SearchInput } from '$lib/schemas/knowledge';
import { countTextTokens } from '../ai/token-count';
import { asUser } from '../db';
import { governedCall, type GovernedDeps } from '../usage/governed-call';
import { embeddingProviderOf, type EmbedderModel } from './embedders';
import { activeEmbedder } from './embedders.repo';
import { chunkDetails, hasVectors, hybridSearch, MARK_END, MARK_START, textSearch, vectorSearch, type ChunkDetails, type RankedChunk } from './search.repo';

const DEFAULT_LIMIT = 10;

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
 * The one search the API, the chat's retrieve step and the evaluation use. The query is embedded
 * outside any transaction (a model call) as a governed call charged to the searcher; the SQL runs
 * as the searcher, so row level security applies to every part of it.
 */
export async function searchChunks(deps: GovernedDeps, userId: string, input: SearchInput, signal?: AbortSignal): Promise<SearchOutcome> {
	const mode = input.mode ?? 'hybrid';
	const limit = input.limit ?? DEFAULT_LIMIT;
	const categoryId = input.categoryId ?? null;
	const { active, anyVectors } = await asUser(deps.db, userId, async (tx) => {
		const active = await activeEmbedder(tx);
		return { active, anyVectors: mode === 'text' ? false : await hasVectors(tx, active.embedder.name) };
	});
	const embedding = anyVectors ? await embedQuery(deps, userId, active, input.query, signal) : null;
	return asUser(deps.db, userId, async (tx) => {
		let ranked: RankedChunk[];
		if (mode === 'text') ranked = await textSearch(tx, input.query, limit, categoryId);
		else if (mode === 'vector') ranked = embedding ? await vectorSearch(tx, embedding, active.embedder.name, limit, categoryId) : [];
		else
			ranked = await hybridSearch(tx, {
				query: input.query,
				embedding,
				embedder: active.embedder.name,
				limit,
				categoryId,
				textWeight: active.embedder.textWeight,
				vectorWeight: active.embedder.vectorWeight
			});
		const details = await chunkDetails(
			tx,
			ranked.map((chunk) => chunk.id),
			input.query
		);
		const incomplete = mode === 'text' ? false : await vectorsMissing(tx, active.embedder.name);
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
}

async function vectorsMissing(tx: Parameters<typeof hasVectors>[0], embedder: string): Promise<boolean> {
	const rows = await tx.$queryRaw<{ missing: boolean }[]>`select exists (select 1 from public.knowledge_base where embedder is distinct from ${embedder}) as missing`;
	return rows[0]?.missing ?? false;
}

/** The query's vector from the active embedder, through the governed call (quota, usage log). */
export async function embedQuery(deps: GovernedDeps, userId: string, active: EmbedderModel, query: string, signal?: AbortSignal): Promise<number[]> {
	const provider = embeddingProviderOf(deps.services, active);
	const promptTokens = countTextTokens(query);
	return governedCall(
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

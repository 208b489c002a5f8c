import type { UserTransaction } from '../db';
import { Prisma } from '../db/generated/client';
import { toVectorLiteral } from '../db/vector';
import { padded } from './chunks.repo';

/**
 * The search SQL functions (033), run inside `asUser`: row level security decides which chunks
 * take part, in the scores as in the results.
 */

export interface RankedChunk {
	id: string;
	score: number;
	textRank: number | null;
	textScore: number | null;
	vectorRank: number | null;
	similarity: number | null;
}

interface RankedRow {
	id: string;
	score: number;
	text_rank: number | null;
	text_score: number | null;
	vector_rank: number | null;
	similarity: number | null;
}

const toRanked = (row: RankedRow): RankedChunk => ({
	id: row.id,
	score: Number(row.score),
	textRank: row.text_rank === null ? null : Number(row.text_rank),
	textScore: row.text_score === null ? null : Number(row.text_score),
	vectorRank: row.vector_rank === null ? null : Number(row.vector_rank),
	similarity: row.similarity === null ? null : Number(row.similarity)
});

export async function textSearch(tx: UserTransaction, query: string, limit: number, categoryId: string | null): Promise<RankedChunk[]> {
	const rows = await tx.$queryRaw<{ id: string; score: number }[]>`
		select id::text as id, score from public.knowledge_text_search(${query}, ${limit}::int, ${categoryId}::uuid)`;
	return rows.map((row, index) => ({ id: row.id, score: Number(row.score), textRank: index + 1, textScore: Number(row.score), vectorRank: null, similarity: null }));
}

export async function tsRankSearch(tx: UserTransaction, query: string, limit: number): Promise<RankedChunk[]> {
	const rows = await tx.$queryRaw<{ id: string; score: number }[]>`select id::text as id, score from public.knowledge_ts_rank_search(${query}, ${limit}::int)`;
	return rows.map((row, index) => ({ id: row.id, score: Number(row.score), textRank: index + 1, textScore: Number(row.score), vectorRank: null, similarity: null }));
}

export async function vectorSearch(tx: UserTransaction, embedding: readonly number[], embedder: string, limit: number, categoryId: string | null): Promise<RankedChunk[]> {
	const rows = await tx.$queryRaw<{ id: string; similarity: number }[]>`
		select id::text as id, similarity
		from public.knowledge_vector_search(${toVectorLiteral(padded(embedding))}::vector, ${embedder}, ${limit}::int, ${categoryId}::uuid)`;
	return rows.map((row, index) => ({ id: row.id, score: Number(row.similarity), textRank: null, textScore: null, vectorRank: index + 1, similarity: Number(row.similarity) }));
}

export interface HybridOptions {
	query: string;
	embedding: readonly number[] | null;
	embedder: string;
	limit: number;
	categoryId: string | null;
	textWeight: number;
	vectorWeight: number;
	candidates?: number;
}

export async function hybridSearch(tx: UserTransaction, options: HybridOptions): Promise<RankedChunk[]> {
	const vector = options.embedding ? toVectorLiteral(padded(options.embedding)) : null;
	const rows = await tx.$queryRaw<RankedRow[]>`
		select id::text as id, score, text_rank, text_score, vector_rank, similarity
		from public.knowledge_hybrid_search(${options.query}, ${vector}::vector, ${options.embedder}, ${options.limit}::int, ${options.categoryId}::uuid,
			${options.textWeight}::float8, ${options.vectorWeight}::float8, 60, ${options.candidates ?? 50}::int)`;
	return rows.map(toRanked);
}

export interface FuseOptions extends Omit<HybridOptions, 'query'> {
	/** The keyword side (textSearch with `candidates` results), best first. */
	text: readonly RankedChunk[];
}

/**
 * knowledge_hybrid_fuse (046): the vector side of a hybrid search, fused with a keyword side already
 * run, best first, each with its text and document in the same statement (see chunkDetails).
 */
export async function fuseHybrid(tx: UserTransaction, options: FuseOptions, highlight: string | null): Promise<{ rank: RankedChunk; details: ChunkDetails }[]> {
	const vector = options.embedding ? toVectorLiteral(padded(options.embedding)) : null;
	const ids = options.text.map((chunk) => chunk.id);
	const scores = options.text.map((chunk) => chunk.textScore ?? chunk.score);
	const rows = await tx.$queryRaw<(RankedRow & DetailRow)[]>`
		select f.score, f.text_rank, f.text_score, f.vector_rank, f.similarity, ${detailColumns(highlight)}
		from public.knowledge_hybrid_fuse(${ids}::uuid[], ${scores}::float8[], ${vector}::vector, ${options.embedder}, ${options.limit}::int, ${options.categoryId}::uuid,
			${options.textWeight}::float8, ${options.vectorWeight}::float8, 60, ${options.candidates ?? 50}::int) as f
		join public.knowledge_base kb on kb.id = f.id
		left join public.categories c on c.id = kb.category_id
		order by f.score desc, coalesce(f.text_rank, 1000000), coalesce(f.vector_rank, 1000000), f.id`;
	return rows.map((row) => ({ rank: toRanked(row), details: toDetails(row) }));
}

/** Whether any chunk (the caller can read, in a user transaction) has a vector from `embedder`: no point embedding a query otherwise. */
export async function anyVectorsFrom(tx: UserTransaction, embedder: string): Promise<boolean> {
	const rows = await tx.$queryRaw<{ found: boolean }[]>`select exists (select 1 from public.knowledge_base where embedder = ${embedder}) as found`;
	return rows[0]?.found ?? false;
}

/** Whether the caller can see a chunk with no vector from `embedder` yet (search says so: "vectors still filling in"). */
export async function hasChunksWithoutVectors(tx: UserTransaction, embedder: string): Promise<boolean> {
	const rows = await tx.$queryRaw<{ missing: boolean }[]>`select exists (select 1 from public.knowledge_base where embedder is distinct from ${embedder}) as missing`;
	return rows[0]?.missing ?? false;
}

/** Private-use characters mark matches in ts_headline's output; content can't smuggle them in (stripped below). */
export const MARK_START = '\uE000';
export const MARK_END = '\uE001';

export interface ChunkDetails {
	id: string;
	documentId: string | null;
	title: string;
	source: string | null;
	content: string;
	headingPath: string[];
	page: number | null;
	chunkIndex: number | null;
	categoryId: string | null;
	categoryName: string | null;
	categoryColor: string | null;
	headline: string;
	tokenCount: number | null;
}

interface DetailRow {
	id: string;
	document_id: string | null;
	title: string;
	source: string | null;
	content: string;
	heading_path: string[];
	page: number | null;
	chunk_index: number | null;
	category_id: string | null;
	category_name: string | null;
	category_color: string | null;
	headline: string;
	token_count: number | null;
}

/**
 * A chunk's text and document from `kb` (knowledge_base) and `c` (its category), with a snippet
 * marking `highlight`'s words; null skips the snippet (a chat answer quotes passages whole).
 */
function detailColumns(highlight: string | null): Prisma.Sql {
	return Prisma.sql`kb.id::text as id, kb.document_id::text as document_id, kb.title, kb.source, kb.content, kb.heading_path, kb.page, kb.chunk_index,
		kb.category_id::text as category_id, c.name as category_name, c.color as category_color, kb.token_count,
		case when ${highlight}::text is null then '' else
			ts_headline('english', translate(kb.content, ${MARK_START + MARK_END}, ''),
				replace(plainto_tsquery('english', ${highlight}::text)::text, ' & ', ' | ')::tsquery,
				${`StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=40, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "`}) end as headline`;
}

const toDetails = (row: DetailRow): ChunkDetails => ({
	id: row.id,
	documentId: row.document_id,
	title: row.title,
	source: row.source,
	content: row.content,
	headingPath: row.heading_path,
	page: row.page,
	chunkIndex: row.chunk_index,
	categoryId: row.category_id,
	categoryName: row.category_name,
	categoryColor: row.category_color,
	headline: row.headline,
	tokenCount: row.token_count
});

/** The chunks' text and document (visible chunks only; see detailColumns). */
export async function chunkDetails(tx: UserTransaction, ids: string[], highlight: string | null): Promise<Map<string, ChunkDetails>> {
	if (ids.length === 0) return new Map();
	const rows = await tx.$queryRaw<DetailRow[]>`
		select ${detailColumns(highlight)}
		from public.knowledge_base kb
		left join public.categories c on c.id = kb.category_id
		where kb.id = any(${ids}::uuid[])`;
	return new Map(rows.map((row) => [row.id, toDetails(row)]));
}

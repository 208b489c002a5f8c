import type { UserTransaction } from '../db';
import { toVectorLiteral } from '../db/vector';

/**
 * Prisma can't read or write `vector` columns, so embeddings go through these typed raw-SQL
 * functions. Call them inside `asUser` so row level security decides what is visible.
 */

export interface KnowledgeMatch {
	id: string;
	title: string;
	content: string;
	categoryId: string | null;
	similarity: number;
}

export interface MatchOptions {
	embedding: readonly number[];
	/** Minimum cosine similarity, -1..1. */
	threshold: number;
	count: number;
	categoryId?: string | null;
}

export async function setKnowledgeEmbedding(tx: UserTransaction, entryId: string, embedding: readonly number[]): Promise<boolean> {
	const updated = await tx.$executeRaw`update public.knowledge_base set embedding = ${toVectorLiteral(embedding)}::vector where id = ${entryId}::uuid`;
	return updated === 1;
}

/** Best first, through the `match_knowledge_base` RPC (and its HNSW index). */
export async function matchKnowledgeBase(tx: UserTransaction, options: MatchOptions): Promise<KnowledgeMatch[]> {
	const rows = await tx.$queryRaw<{ id: string; title: string; content: string; category_id: string | null; similarity: number }[]>`
		select id, title, content, category_id, similarity
		from public.match_knowledge_base(${toVectorLiteral(options.embedding)}::vector, ${options.threshold}::float, ${options.count}::int, ${options.categoryId ?? null}::uuid)`;
	return rows.map((row) => ({ id: row.id, title: row.title, content: row.content, categoryId: row.category_id, similarity: Number(row.similarity) }));
}

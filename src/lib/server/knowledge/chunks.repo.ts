import type { UserTransaction } from '../db';
import { EMBEDDING_DIMENSIONS, toVectorLiteral } from '../db/vector';
import type { Chunk } from './chunk';

/** knowledge_base rows as chunks of a document, written by the ingestion worker (as the app). */
type Client = UserTransaction;

/** A vector of fewer dimensions, zero-padded into the vector(1536) column: cosine is unchanged. */
export function padded(vector: readonly number[]): number[] {
	if (vector.length === EMBEDDING_DIMENSIONS) return [...vector];
	if (vector.length > EMBEDDING_DIMENSIONS) throw new RangeError(`An embedding has at most ${EMBEDDING_DIMENSIONS} dimensions, got ${vector.length}`);
	return [...vector, ...new Array<number>(EMBEDDING_DIMENSIONS - vector.length).fill(0)];
}

export interface ChunkOwner {
	documentId: string;
	title: string;
	source: string | null;
	categoryId: string | null;
	authorId: string | null;
	visibility: string;
}

/** Replaces a document's chunks (a retried job starts clean); the caller's transaction makes it all-or-nothing. */
export async function replaceChunks(tx: Client, owner: ChunkOwner, chunks: readonly Chunk[]): Promise<void> {
	await tx.knowledgeBaseEntry.deleteMany({ where: { documentId: owner.documentId } });
	const BATCH = 500;
	for (let start = 0; start < chunks.length; start += BATCH) {
		await tx.knowledgeBaseEntry.createMany({
			data: chunks.slice(start, start + BATCH).map((chunk) => ({
				documentId: owner.documentId,
				title: owner.title,
				source: owner.source,
				categoryId: owner.categoryId,
				authorId: owner.authorId,
				visibility: owner.visibility,
				chunkIndex: chunk.index,
				content: chunk.content,
				headingPath: chunk.headingPath,
				page: chunk.page,
				tokenCount: chunk.tokenCount,
				metadata: {}
			}))
		});
	}
}

export async function deleteChunks(tx: Client, documentId: string): Promise<void> {
	await tx.knowledgeBaseEntry.deleteMany({ where: { documentId } });
}

export interface ChunkToEmbed {
	id: string;
	title: string;
	headingPath: string[];
	content: string;
}

/** The next chunks of a document without a vector from `embedder`, in document order. */
export function chunksToEmbed(tx: Client, documentId: string, embedder: string, limit: number): Promise<ChunkToEmbed[]> {
	return tx.knowledgeBaseEntry.findMany({
		where: { documentId, OR: [{ embedder: null }, { embedder: { not: embedder } }] },
		orderBy: { chunkIndex: 'asc' },
		take: limit,
		select: { id: true, title: true, headingPath: true, content: true }
	});
}

export async function storeEmbeddings(tx: Client, embedder: { name: string; dimensions: number }, rows: { id: string; vector: readonly number[] }[]): Promise<void> {
	for (const row of rows) {
		await tx.$executeRaw`
			update public.knowledge_base
			set embedding = ${toVectorLiteral(padded(row.vector))}::vector, embedder = ${embedder.name}, embedding_dimensions = ${embedder.dimensions}
			where id = ${row.id}::uuid`;
	}
}

// ── Re-embedding: vectors of the embedder being built go beside the live ones ─────────────────

export function chunksToReembed(tx: Client, embedder: string, limit: number): Promise<ChunkToEmbed[]> {
	return tx.knowledgeBaseEntry.findMany({
		where: { AND: [{ OR: [{ embedder: null }, { embedder: { not: embedder } }] }, { OR: [{ pendingEmbedder: null }, { pendingEmbedder: { not: embedder } }] }] },
		orderBy: { id: 'asc' },
		take: limit,
		select: { id: true, title: true, headingPath: true, content: true }
	});
}

export async function storePendingEmbeddings(tx: Client, embedder: { name: string }, rows: { id: string; vector: readonly number[] }[]): Promise<void> {
	for (const row of rows) {
		await tx.$executeRaw`
			update public.knowledge_base set pending_embedding = ${toVectorLiteral(padded(row.vector))}::vector, pending_embedder = ${embedder.name}
			where id = ${row.id}::uuid`;
	}
}

/** The switch-over: every pending vector of `embedder` becomes the live one, in the caller's transaction. */
export async function promotePendingEmbeddings(tx: Client, embedder: { name: string; dimensions: number }): Promise<number> {
	return tx.$executeRaw`
		update public.knowledge_base
		set embedding = pending_embedding, embedder = pending_embedder, embedding_dimensions = ${embedder.dimensions},
		    pending_embedding = null, pending_embedder = null
		where pending_embedder = ${embedder.name}`;
}

export async function countChunksNotEmbeddedBy(tx: Client, embedder: string): Promise<{ remaining: number; total: number }> {
	const [remaining, total] = await Promise.all([
		tx.knowledgeBaseEntry.count({ where: { AND: [{ OR: [{ embedder: null }, { embedder: { not: embedder } }] }, { OR: [{ pendingEmbedder: null }, { pendingEmbedder: { not: embedder } }] }] } }),
		tx.knowledgeBaseEntry.count()
	]);
	return { remaining, total };
}

/** Re-counts the documents' embedded chunks after a switch-over. */
export async function refreshEmbeddedCounts(tx: Client, embedder: string): Promise<void> {
	await tx.$executeRaw`
		update public.knowledge_documents d
		set embedded_count = (select count(*) from public.knowledge_base kb where kb.document_id = d.id and kb.embedder = ${embedder})`;
}

import type { UserTransaction } from '../db';
import type { Prisma } from '../db/generated/client';
import type { DocumentFormat, DocumentStatus, Visibility } from './types';

/**
 * knowledge_documents. Functions taking a UserTransaction run inside `asUser`, so row level
 * security decides what exists; the ingestion worker passes the app's own client (db.prisma).
 */
type Client = UserTransaction;

export const documentSummarySelect = {
	id: true,
	title: true,
	source: true,
	format: true,
	sizeBytes: true,
	ownerId: true,
	visibility: true,
	categoryId: true,
	status: true,
	error: true,
	chunkCount: true,
	embeddedCount: true,
	createdAt: true,
	updatedAt: true,
	category: { select: { name: true, color: true } }
} as const satisfies Prisma.KnowledgeDocumentSelect;

export type DocumentSummaryRow = Prisma.KnowledgeDocumentGetPayload<{ select: typeof documentSummarySelect }>;

export interface NewDocument {
	title: string;
	source: string | null;
	format: DocumentFormat;
	sizeBytes: number;
	content: string;
	ownerId: string | null;
	createdBy: string | null;
	visibility: Visibility;
	categoryId: string | null;
}

export async function insertDocument(tx: Client, document: NewDocument): Promise<{ id: string }> {
	return tx.knowledgeDocument.create({ data: { ...document, status: 'pending' }, select: { id: true } });
}

export function listDocuments(tx: Client, filter: { categoryId?: string | null; ownerId?: string }): Promise<DocumentSummaryRow[]> {
	return tx.knowledgeDocument.findMany({
		where: { ...(filter.categoryId ? { categoryId: filter.categoryId } : {}), ...(filter.ownerId ? { ownerId: filter.ownerId } : {}) },
		orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
		select: documentSummarySelect,
		take: 500
	});
}

export function findDocument(tx: Client, id: string): Promise<DocumentSummaryRow | null> {
	return tx.knowledgeDocument.findUnique({ where: { id }, select: documentSummarySelect });
}

export const chunkViewSelect = {
	id: true,
	chunkIndex: true,
	content: true,
	headingPath: true,
	page: true,
	tokenCount: true,
	embedder: true
} as const satisfies Prisma.KnowledgeBaseEntrySelect;

export type ChunkViewRow = Prisma.KnowledgeBaseEntryGetPayload<{ select: typeof chunkViewSelect }>;

export function listChunks(tx: Client, documentId: string): Promise<ChunkViewRow[]> {
	return tx.knowledgeBaseEntry.findMany({ where: { documentId }, orderBy: { chunkIndex: 'asc' }, select: chunkViewSelect });
}

/** Deletes a document the caller may delete (its chunks cascade); false when there is none. */
export async function deleteDocument(tx: Client, id: string): Promise<boolean> {
	const { count } = await tx.knowledgeDocument.deleteMany({ where: { id } });
	return count === 1;
}

export async function countOwnedDocuments(tx: Client, ownerId: string): Promise<number> {
	return tx.knowledgeDocument.count({ where: { ownerId } });
}

export interface ProgressRow {
	id: string;
	status: string;
	error: string | null;
	chunkCount: number;
	embeddedCount: number;
	updatedAt: Date;
}

export function documentProgress(tx: Client, id: string): Promise<ProgressRow | null> {
	return tx.knowledgeDocument.findUnique({ where: { id }, select: { id: true, status: true, error: true, chunkCount: true, embeddedCount: true, updatedAt: true } });
}

// ── Ingestion (the worker, as the app) ─────────────────────────────────────────────────────────

export interface IngestionDocument {
	id: string;
	title: string;
	format: string;
	content: string;
	status: string;
	ownerId: string | null;
	createdBy: string | null;
	visibility: string;
	categoryId: string | null;
	source: string | null;
}

export function loadForIngestion(client: Client, id: string): Promise<IngestionDocument | null> {
	return client.knowledgeDocument.findUnique({
		where: { id },
		select: { id: true, title: true, format: true, content: true, status: true, ownerId: true, createdBy: true, visibility: true, categoryId: true, source: true }
	});
}

export async function setDocumentStatus(client: Client, id: string, status: DocumentStatus, fields: { error?: string | null; chunkCount?: number; embeddedCount?: number } = {}): Promise<void> {
	await client.knowledgeDocument.updateMany({ where: { id }, data: { status, ...fields } });
}

/**
 * After a batch of vectors is stored: the document's embedded count, recounted from its chunks,
 * and its status (`ready` with the last batch), in one statement of the caller's transaction.
 */
export async function recordEmbeddingProgress(tx: Client, documentId: string, embedder: string, status: 'embedding' | 'ready'): Promise<void> {
	await tx.$executeRaw`
		update public.knowledge_documents as d
		set status = ${status}, embedded_count = (select count(*) from public.knowledge_base as kb where kb.document_id = d.id and kb.embedder = ${embedder})
		where d.id = ${documentId}::uuid`;
}

/** Documents whose ingestion never finished (pending or mid-way), oldest first: re-queued at start-up. */
export async function unfinishedDocumentIds(client: Client): Promise<string[]> {
	const rows = await client.knowledgeDocument.findMany({ where: { status: { in: ['pending', 'chunking', 'embedding'] } }, orderBy: { createdAt: 'asc' }, select: { id: true } });
	return rows.map((row) => row.id);
}

export async function systemDocumentSources(client: Client): Promise<Set<string>> {
	const rows = await client.knowledgeDocument.findMany({ where: { ownerId: null, source: { not: null } }, select: { source: true } });
	return new Set(rows.flatMap((row) => (row.source ? [row.source] : [])));
}

/** Serialises a user's document additions, so two uploads at once can't both take the last slot. */
export async function lockOwnerDocuments(tx: Client, ownerId: string): Promise<void> {
	await tx.$queryRaw`select pg_advisory_xact_lock(hashtextextended(${'airassist.documents:' + ownerId}, 0))::text`;
}

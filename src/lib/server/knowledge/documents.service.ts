import type { QuotaKind } from '$lib/usage/types';
import type { DocumentDetail, DocumentProgress, DocumentSummary } from '$lib/knowledge/types';
import { DOCUMENT_FORMATS, DOCUMENT_STATUSES } from '$lib/knowledge/types';
import { MAX_DOCUMENT_BYTES, type CreateDocumentInput } from '$lib/schemas/knowledge';
import { asAdmin } from '../admin/admin-tx';
import { recordAdminChange, type AdminActor } from '../admin/audit.repo';
import type { AuthUser } from '../auth/auth-user';
import { asUser, type UserTransaction } from '../db';
import type { RequestInfo } from '../trpc/context';
import { findCategory } from './categories.repo';
import { AppError } from '../errors';
import { describeRefusal } from '../usage/quota-messages';
import { effectiveLimits } from '../usage/usage.repo';
import type { GovernedDeps } from '../usage/governed-call';
import { countOwnedDocuments, deleteDocument, documentProgress, findDocument, insertDocument, listChunks, listDocuments, lockOwnerDocuments, type DocumentSummaryRow, type ProgressRow } from './documents.repo';
import { extractDocument, extractPasted, formatOfFileName } from './extract';
import type { DocumentFormat, Visibility } from './types';

/** The request's origin, when known, goes into the audit row of an admin's change. */
type DocumentDeps = GovernedDeps & { request?: RequestInfo };

function actorOf(deps: DocumentDeps, user: AuthUser): AdminActor {
	return { id: user.id, email: user.email, ip: deps.request?.ip ?? null, userAgent: deps.request?.userAgent ?? null, requestId: deps.request?.requestId ?? null };
}

interface NewDocumentRequest {
	title: string;
	source: string | null;
	format: DocumentFormat;
	sizeBytes: number;
	content: string;
	categoryId: string | null;
	visibility: Visibility;
}

/** Pasted text (`knowledge.documents.create`). */
export function createDocument(deps: DocumentDeps, user: AuthUser, input: CreateDocumentInput): Promise<{ id: string }> {
	const content = extractPasted(input.content, input.format);
	if (content.trim() === '') throw new AppError('BAD_REQUEST', 'There is no text to add.', { field: 'content' });
	return addDocument(deps, user, {
		title: input.title,
		source: input.source ?? null,
		format: input.format,
		sizeBytes: Buffer.byteLength(input.content, 'utf8'),
		content,
		categoryId: input.categoryId ?? null,
		visibility: input.visibility ?? 'private'
	});
}

export interface UploadedFile {
	name: string;
	bytes: Uint8Array;
}

/** A file (`POST /api/knowledge/documents`): checked and extracted before anything is saved. */
export async function uploadDocument(deps: DocumentDeps, user: AuthUser, file: UploadedFile, fields: { title?: string; categoryId?: string; visibility?: Visibility }): Promise<{ id: string }> {
	const format = formatOfFileName(file.name);
	if (file.bytes.byteLength === 0) throw new AppError('BAD_REQUEST', `${file.name} is empty.`, { field: 'file' });
	await assertRoomForOne(deps, user.id, file.bytes.byteLength);
	const { text } = await extractDocument(file.bytes, format, file.name);
	const title = fields.title?.trim() || file.name.replace(/\.[a-z0-9]+$/i, '') || file.name;
	return addDocument(deps, user, { title: title.slice(0, 300), source: file.name.slice(0, 2000), format, sizeBytes: file.bytes.byteLength, content: text, categoryId: fields.categoryId ?? null, visibility: fields.visibility ?? 'private' });
}

const MIB = 1024 * 1024;

/** The largest document this user may add, in bytes: their tier's (or override's) cap, within the server's ceiling. */
export function documentByteCap(limits: Record<QuotaKind, number | null>): { bytes: number; limitMb: number } {
	const tierMb = limits.knowledge_document_mb;
	const ceilingMb = MAX_DOCUMENT_BYTES / MIB;
	const limitMb = tierMb === null ? ceilingMb : Math.min(tierMb, ceilingMb);
	return { bytes: limitMb * MIB, limitMb };
}

/** The caller's cap, read before an upload's body is: the endpoint stops reading past it. */
export function uploadByteCap(deps: GovernedDeps, userId: string): Promise<{ bytes: number; limitMb: number }> {
	return asUser(deps.db, userId, async (tx) => documentByteCap((await effectiveLimits(tx, userId)).limits));
}

/** The quota refusal for a document over the cap; `used` is the document's size in MiB. */
export function documentSizeRefusal(limitMb: number, bytes: number): AppError {
	const quota = { kind: 'knowledge_document_mb' as const, limit: limitMb, used: Math.ceil((bytes / MIB) * 10) / 10, resetAt: null, retryAfterSeconds: 0 };
	return new AppError('PAYLOAD_TOO_LARGE', describeRefusal(quota), { field: 'file', quota });
}

function assertWithinCap(limits: Record<QuotaKind, number | null>, bytes: number): void {
	const cap = documentByteCap(limits);
	if (bytes > cap.bytes) throw documentSizeRefusal(cap.limitMb, bytes);
}

/** Fails early (before a slow extraction) when the file is over the cap or the tier allows no more documents. */
async function assertRoomForOne(deps: GovernedDeps, userId: string, bytes: number): Promise<void> {
	await asUser(deps.db, userId, async (tx) => {
		const { limits } = await effectiveLimits(tx, userId);
		assertWithinCap(limits, bytes);
		const limit = limits.knowledge_documents;
		if (limit === null) return;
		const used = await countOwnedDocuments(tx, userId);
		if (used >= limit) throw documentsRefusal(limit, used);
	});
}

function documentsRefusal(limit: number, used: number): AppError {
	const quota = { kind: 'knowledge_documents' as const, limit, used, resetAt: null, retryAfterSeconds: 0 };
	return new AppError('TOO_MANY_REQUESTS', describeRefusal(quota), { quota });
}

async function addDocument(deps: DocumentDeps, user: AuthUser, request: NewDocumentRequest): Promise<{ id: string }> {
	if (request.visibility === 'public' && user.role !== 'admin') {
		throw new AppError('FORBIDDEN', 'Only administrators can publish documents to everyone.', { field: 'visibility' });
	}
	// Publishing is an admin change: done with admin powers, and audited in the same transaction.
	const publishing = request.visibility === 'public';
	const inTransaction = <T>(work: (tx: UserTransaction) => Promise<T>) => (publishing ? asAdmin(deps.db, actorOf(deps, user), work) : asUser(deps.db, user.id, work));
	const created = await inTransaction(async (tx) => {
		await lockOwnerDocuments(tx, user.id);
		const { limits } = await effectiveLimits(tx, user.id);
		assertWithinCap(limits, request.sizeBytes);
		const limit = limits.knowledge_documents;
		if (limit !== null) {
			const used = await countOwnedDocuments(tx, user.id);
			if (used >= limit) throw documentsRefusal(limit, used);
		}
		if (request.categoryId && !(await findCategory(tx, request.categoryId))) {
			throw new AppError('BAD_REQUEST', 'That category does not exist.', { field: 'categoryId' });
		}
		const document = await insertDocument(tx, { ...request, ownerId: user.id, createdBy: user.id });
		if (publishing) {
			await recordAdminChange(tx, actorOf(deps, user), {
				action: 'document.publish',
				targetType: 'document',
				targetId: document.id,
				targetLabel: request.title,
				before: null,
				after: { title: request.title, format: request.format, sizeBytes: request.sizeBytes, categoryId: request.categoryId, visibility: 'public' }
			});
		}
		return document;
	});
	await deps.services.ingestion.schedule(created.id);
	return created;
}

export async function listKnowledgeDocuments(deps: GovernedDeps, user: AuthUser, filter: { categoryId?: string | null } = {}): Promise<DocumentSummary[]> {
	const rows = await asUser(deps.db, user.id, (tx) => listDocuments(tx, filter));
	return rows.map((row) => toSummary(row, user));
}

export async function getKnowledgeDocument(deps: GovernedDeps, user: AuthUser, id: string): Promise<DocumentDetail> {
	return asUser(deps.db, user.id, async (tx) => {
		const row = await findDocument(tx, id);
		if (!row) throw new AppError('NOT_FOUND', 'That document does not exist or is not yours to see.');
		const chunks = await listChunks(tx, id);
		return {
			...toSummary(row, user),
			chunks: chunks.map((chunk) => ({ id: chunk.id, index: chunk.chunkIndex ?? 0, content: chunk.content, headingPath: chunk.headingPath, page: chunk.page, tokenCount: chunk.tokenCount, embedded: chunk.embedder !== null }))
		};
	});
}

export async function deleteKnowledgeDocument(deps: GovernedDeps, user: AuthUser, id: string): Promise<void> {
	let deleted = await asUser(deps.db, user.id, (tx) => deleteDocument(tx, id));
	// An admin may delete someone's published document (an audited admin change); private ones stay theirs.
	if (!deleted && user.role === 'admin') {
		deleted = await asAdmin(deps.db, actorOf(deps, user), async (tx) => {
			const document = await findDocument(tx, id);
			if (!document || document.visibility !== 'public' || !(await deleteDocument(tx, id))) return false;
			await recordAdminChange(tx, actorOf(deps, user), {
				action: 'document.delete',
				targetType: 'document',
				targetId: id,
				targetLabel: document.title,
				before: { title: document.title, visibility: 'public', ownerId: document.ownerId },
				after: null
			});
			return true;
		});
	}
	if (!deleted) throw new AppError('NOT_FOUND', 'That document does not exist or is not yours to delete.');
}

export async function readProgress(deps: GovernedDeps, userId: string, id: string): Promise<DocumentProgress | null> {
	const row = await asUser(deps.db, userId, (tx) => documentProgress(tx, id));
	return row ? toProgress(row) : null;
}

const PROGRESS_POLL_MS = 400;

/**
 * Progress of a document's ingestion until it is ready or failed. It reads the row (the worker
 * may be another process), and yields only changes.
 */
/**
 * NOT_FOUND unless the caller may see the document. Subscriptions call it before their stream
 * starts: an error thrown once the stream runs would reach the client as an internal error.
 */
export async function assertDocumentVisible(deps: GovernedDeps, userId: string, id: string): Promise<void> {
	if (!(await readProgress(deps, userId, id))) throw new AppError('NOT_FOUND', 'That document does not exist or is not yours to see.');
}

/** Progress until the document is ready or failed; ends quietly if it is deleted meanwhile. */
export async function* watchProgress(deps: GovernedDeps, userId: string, id: string, signal?: AbortSignal): AsyncGenerator<DocumentProgress> {
	let last = '';
	for (;;) {
		const progress = await readProgress(deps, userId, id);
		if (!progress) return;
		const key = JSON.stringify(progress);
		if (key !== last) {
			last = key;
			yield progress;
		}
		if (progress.status === 'ready' || progress.status === 'error') return;
		await new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, PROGRESS_POLL_MS);
			signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
		});
		if (signal?.aborted) return;
	}
}

function toProgress(row: ProgressRow): DocumentProgress {
	const status = statusOf(row.status);
	const embedded = row.chunkCount === 0 ? 0 : row.embeddedCount / row.chunkCount;
	const fraction = status === 'ready' ? 1 : status === 'embedding' ? 0.1 + 0.9 * embedded : status === 'chunking' ? 0.05 : 0;
	return { id: row.id, status, error: row.error, chunkCount: row.chunkCount, embeddedCount: row.embeddedCount, fraction };
}

function statusOf(value: string) {
	return DOCUMENT_STATUSES.find((status) => status === value) ?? 'error';
}

function toSummary(row: DocumentSummaryRow, user: AuthUser): DocumentSummary {
	const ownership = row.ownerId === user.id ? 'mine' : row.ownerId === null ? 'system' : row.visibility === 'public' ? 'published' : 'other';
	return {
		id: row.id,
		title: row.title,
		source: row.source,
		format: DOCUMENT_FORMATS.find((format) => format === row.format) ?? 'text',
		sizeBytes: row.sizeBytes,
		visibility: row.visibility === 'public' ? 'public' : 'private',
		ownership,
		category: row.categoryId && row.category ? { id: row.categoryId, name: row.category.name, color: row.category.color } : null,
		status: statusOf(row.status),
		error: row.error,
		chunkCount: row.chunkCount,
		embeddedCount: row.embeddedCount,
		canDelete: row.ownerId === user.id || user.role === 'admin',
		createdAt: row.createdAt,
		updatedAt: row.updatedAt
	};
}

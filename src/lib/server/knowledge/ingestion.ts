import { ProviderError } from '../ai/provider';
import { countTextTokens } from '../ai/token-count';
import { AppError, errorMessage } from '../errors';
import { defineJob } from '../jobs/job-queue';
import { governedCall, type GovernedDeps } from '../usage/governed-call';
import { chunkText } from './chunk';
import { chunksToEmbed, deleteChunks, replaceChunks, storeEmbeddings, type ChunkToEmbed } from './chunks.repo';
import { embeddingInput, embeddingProviderOf, isLocalEmbedder, type EmbedderModel } from './embedders';
import { activeEmbedderOf } from './active-embedder';
import { loadForIngestion, recordEmbeddingProgress, setDocumentStatus } from './documents.repo';
import { pricedModelOf } from './search.service';

/**
 * Ingestion of one document: chunk (one transaction: all chunks appear at once, searchable by
 * keyword from then on) → embed in batches (each batch its own governed call and short
 * transaction, so a restart resumes at the first chunk without a vector) → ready.
 *
 * Runs as a pg-boss job; the queue retries a failed attempt. On the last attempt, or when retrying
 * can't help (a refused key, a quota), the document ends `error` with the reason and its chunks
 * are deleted, so nothing half-made stays searchable.
 */

export interface IngestJobData {
	documentId: string;
}

const RETRY_LIMIT = 3;

/**
 * Two queues, so that chunking (fast) never waits behind embedding (slow): a batch of uploads is
 * all searchable by keyword long before its vectors are done. At most one queued and one running
 * job per document and queue (singletonKey = the document id).
 */
export const INGEST_JOB = defineJob<IngestJobData>('knowledge.ingest', { policy: 'stately', retryLimit: RETRY_LIMIT, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: 600 });
export const EMBED_JOB = defineJob<IngestJobData>('knowledge.embed', { policy: 'stately', retryLimit: RETRY_LIMIT, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 1800 });

/** Chunks per embedding call. */
export const EMBED_BATCH = 32;

export interface IngestOptions {
	/** The queue will not retry after this attempt. */
	lastAttempt: boolean;
	signal?: AbortSignal;
	/** 'chunk': stop once the chunks are saved (the embed job goes on); default: to the end. */
	until?: 'chunked' | 'ready';
}

export type IngestResult = 'chunked' | 'ready' | 'error' | 'missing';

export async function ingestDocument(deps: GovernedDeps, documentId: string, options: IngestOptions): Promise<IngestResult> {
	const prisma = deps.db.prisma;
	const document = await loadForIngestion(prisma, documentId);
	if (!document) return 'missing'; // deleted meanwhile
	if (document.status === 'ready' || document.status === 'error') return document.status;
	if (options.until === 'chunked' && document.status === 'embedding') return 'chunked';
	try {
		if (document.status === 'pending' || document.status === 'chunking') {
			const chunks = chunkText(document.content, { paged: document.format === 'pdf' });
			if (chunks.length === 0) throw new AppError('BAD_REQUEST', 'The document contains no text to index.');
			await prisma.$transaction(async (tx) => {
				await replaceChunks(
					tx,
					{ documentId, title: document.title, source: document.source, categoryId: document.categoryId, authorId: document.ownerId, visibility: document.visibility },
					chunks
				);
				await setDocumentStatus(tx, documentId, 'embedding', { chunkCount: chunks.length, embeddedCount: 0, error: null });
			});
		}
		if (options.until === 'chunked') return 'chunked';
		await embedDocument(deps, documentId, document.ownerId ?? document.createdBy, options.signal);
		return 'ready';
	} catch (error) {
		if (options.signal?.aborted) throw error; // shutting down: the queue retries it
		const final = options.lastAttempt || !isWorthRetrying(error);
		if (!final) throw error;
		deps.services.logger.warn({ err: error, documentId }, 'document ingestion failed');
		await prisma.$transaction(async (tx) => {
			await deleteChunks(tx, documentId);
			await setDocumentStatus(tx, documentId, 'error', { error: reasonOf(error), embeddedCount: 0 });
		});
		return 'error';
	}
}

/** Embeds the document's chunks that lack a vector, batch by batch, and marks it ready with the last batch. */
async function embedDocument(deps: GovernedDeps, documentId: string, actorId: string | null, signal: AbortSignal | undefined): Promise<void> {
	const prisma = deps.db.prisma;
	const active = await activeEmbedderOf(deps.db);
	for (;;) {
		signal?.throwIfAborted();
		const batch = await chunksToEmbed(prisma, documentId, active.embedder.name, EMBED_BATCH);
		if (batch.length === 0) {
			await setDocumentStatus(prisma, documentId, 'ready');
			return;
		}
		const vectors = await embedChunks(deps, active, batch, actorId, signal);
		// A short batch was the last: no query needed to find there is nothing left.
		const last = batch.length < EMBED_BATCH;
		await prisma.$transaction(async (tx) => {
			await storeEmbeddings(
				tx,
				active.embedder,
				batch.map((chunk, index) => ({ id: chunk.id, vector: vectors[index] ?? [] }))
			);
			await recordEmbeddingProgress(tx, documentId, active.embedder.name, last ? 'ready' : 'embedding');
		});
		if (last) return;
	}
}

/**
 * One embedding call for a batch of chunks, through the governed call charged to `actorId`. A
 * system document with no actor (the shipped guide, at first start) can only use a local
 * embedder, which calls no upstream service and costs nothing.
 */
export async function embedChunks(deps: GovernedDeps, active: EmbedderModel, batch: ChunkToEmbed[], actorId: string | null, signal?: AbortSignal): Promise<number[][]> {
	const provider = embeddingProviderOf(deps.services, active);
	const inputs = batch.map((chunk) => embeddingInput(chunk));
	const call = async () => {
		const vectors = await provider.embed(inputs, signal);
		if (vectors.length !== inputs.length) throw new ProviderError('malformed', 'The embedder returned the wrong number of vectors.');
		return vectors;
	};
	if (!actorId) {
		if (!isLocalEmbedder(active.embedder)) throw new AppError('BAD_REQUEST', 'A system document can only be embedded by an administrator’s action when the embedder is a remote model.');
		return call();
	}
	const promptTokens = inputs.reduce((sum, input) => sum + countTextTokens(input), 0);
	return governedCall(
		deps,
		{ userId: actorId, endpoint: 'embedding', provider: provider.name, model: pricedModelOf(active), promptTokens, maxOutputTokens: 0, minOutputTokens: 0, countsAsRequest: false },
		async () => ({ value: await call(), usage: { promptTokens, completionTokens: 0 } })
	);
}

function isWorthRetrying(error: unknown): boolean {
	if (error instanceof ProviderError) return error.retryable;
	if (error instanceof AppError) return false;
	return true; // a database hiccup: the next attempt may well succeed
}

function reasonOf(error: unknown): string {
	if (error instanceof ProviderError) return `Embedding failed: ${error.message}`;
	if (error instanceof AppError) return error.message;
	return `Indexing failed because of an error on our side (${errorMessage(error).slice(0, 200)}). Delete the document and add it again.`;
}

/** For tests and scripts: ingests every unfinished document now, in this process. */
export async function ingestPending(deps: GovernedDeps, ids: readonly string[]): Promise<void> {
	for (const id of ids) await ingestDocument(deps, id, { lastAttempt: true });
}


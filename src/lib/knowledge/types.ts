import { z } from 'zod';

export const DOCUMENT_FORMATS = ['text', 'markdown', 'html', 'pdf', 'docx'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

export const DOCUMENT_STATUSES = ['pending', 'chunking', 'embedding', 'ready', 'error'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export type Visibility = 'private' | 'public';

export const EMBEDDER_KINDS = ['use-lite', 'hashed', 'model'] as const;
export type EmbedderKind = (typeof EMBEDDER_KINDS)[number];

/** A row of knowledge_embedders, as the search and ingestion code use it. */
export interface Embedder {
	name: string;
	kind: EmbedderKind;
	modelName: string | null;
	dimensions: number;
	maxInputTokens: number;
	textWeight: number;
	vectorWeight: number;
}

export const searchModeSchema = z.enum(['hybrid', 'vector', 'text']);
export type SearchMode = z.infer<typeof searchModeSchema>;

/** A piece of a snippet: `match` marks the query's words. */
export interface SnippetPart {
	text: string;
	match: boolean;
}

export interface CategoryRef {
	id: string;
	name: string;
	color: string | null;
}

export interface SearchResult {
	chunkId: string;
	documentId: string | null;
	title: string;
	source: string | null;
	category: CategoryRef | null;
	headingPath: string[];
	page: number | null;
	chunkIndex: number | null;
	snippet: SnippetPart[];
	/** The fused score (hybrid), BM25 (text) or cosine similarity (vector). */
	score: number;
	/** Each side's part: rank and score, null where that side didn't find the chunk. */
	text: { rank: number; score: number } | null;
	vector: { rank: number; similarity: number } | null;
}

export interface SearchResponse {
	mode: SearchMode;
	/** The embedder whose vectors were compared (null for text search). */
	embedder: string | null;
	/** True when some visible chunks are still waiting for vectors: vector results may be incomplete. */
	vectorsIncomplete: boolean;
	results: SearchResult[];
}

export interface DocumentSummary {
	id: string;
	title: string;
	source: string | null;
	format: DocumentFormat;
	sizeBytes: number;
	visibility: Visibility;
	/** 'system' for the app's own documents (the user guide). */
	ownership: 'mine' | 'published' | 'system' | 'other';
	category: CategoryRef | null;
	status: DocumentStatus;
	error: string | null;
	chunkCount: number;
	embeddedCount: number;
	canDelete: boolean;
	createdAt: Date;
	updatedAt: Date;
}

export interface DocumentChunk {
	id: string;
	index: number;
	content: string;
	headingPath: string[];
	page: number | null;
	tokenCount: number | null;
	embedded: boolean;
}

export interface DocumentDetail extends DocumentSummary {
	chunks: DocumentChunk[];
}

export interface DocumentProgress {
	id: string;
	status: DocumentStatus;
	error: string | null;
	chunkCount: number;
	embeddedCount: number;
	/** 0..1: chunking counts as the first 10 %, embedding the rest. */
	fraction: number;
}

/** A source a grounded answer was given (or that was cut for the context window). */
// A type alias, not an interface: it is stored as JSON (messages.metadata), which needs an index-signature-compatible shape.
export type MessageSource = {
	/** [n] in the answer; null when the passage was cut. */
	number: number | null;
	chunkId: string;
	documentId: string | null;
	title: string;
	source: string | null;
	category: string | null;
	headingPath: string[];
	page: number | null;
	snippet: string;
	score: number;
	textScore: number | null;
	similarity: number | null;
	used: boolean;
};

import type { EmbeddingProvider } from './provider';

/**
 * A deterministic, dependency-free text embedding: hashed bag of words ("feature hashing").
 * Each lower-cased word adds ±1 to one of `dimensions` slots chosen by its FNV-1a hash, and the
 * vector is L2-normalised, so the cosine similarity (= inner product) of two texts grows with the
 * words they share, and unrelated texts score near 0. It knows no synonyms; it is what lets the
 * fake OpenAI server and the offline mode search the knowledge base without a model. Vectors
 * from it and from a real embedding model live in different spaces and must not be mixed.
 */

export const HASHED_EMBEDDING_DIMENSIONS = 1536;

const WORD = /[\p{L}\p{N}]+/gu;

export function hashedEmbedding(text: string, dimensions = HASHED_EMBEDDING_DIMENSIONS): number[] {
	const vector = new Array<number>(dimensions).fill(0);
	for (const [word] of text.toLowerCase().matchAll(WORD)) {
		const hash = fnv1a(word);
		const slot = hash % dimensions;
		// The top bit picks the sign, so colliding words cancel out on average instead of piling up.
		vector[slot] = (vector[slot] ?? 0) + (hash & 0x80000000 ? -1 : 1);
	}
	const norm = Math.hypot(...vector);
	// A text without words still needs a unit vector: a zero vector has no cosine distance.
	if (norm === 0) return vector.map((_, index) => (index === 0 ? 1 : 0));
	return vector.map((value) => value / norm);
}

/** FNV-1a, 32 bits, over UTF-16 code units: tiny, fast and stable across runs and machines. */
function fnv1a(text: string): number {
	let hash = 0x811c9dc5;
	for (let index = 0; index < text.length; index++) {
		hash ^= text.charCodeAt(index);
		hash = Math.imul(hash, 0x01000193);
	}
	return hash >>> 0;
}

/** Embeddings for the offline mode: no key, no network. */
export class HashedEmbeddingProvider implements EmbeddingProvider {
	readonly name = 'offline';
	constructor(readonly dimensions = HASHED_EMBEDDING_DIMENSIONS) {}

	async embed(texts: string[]): Promise<number[][]> {
		return texts.map((text) => hashedEmbedding(text, this.dimensions));
	}
}

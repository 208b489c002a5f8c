import { describe, expect, it } from 'vitest';
import { HashedEmbeddingProvider, hashedEmbedding } from '../../../src/lib/server/ai/hashed-embedding';

const dot = (a: number[], b: number[]) => a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0);

describe('hashed bag-of-words embedding', () => {
	it('is deterministic, 1536-dimensional and unit length', () => {
		const vector = hashedEmbedding('The quick brown fox');
		expect(vector).toHaveLength(1536);
		expect(hashedEmbedding('the QUICK brown fox!')).toEqual(vector);
		expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
		expect(Math.hypot(...hashedEmbedding(''))).toBeCloseTo(1, 10);
	});

	it('scores texts that share words above unrelated ones', () => {
		const query = hashedEmbedding('office opening hours');
		const related = hashedEmbedding('The office hours are 9 to 5');
		const unrelated = hashedEmbedding('Visitors park in the north lot');
		expect(dot(query, related)).toBeGreaterThan(0.3);
		expect(dot(query, related)).toBeGreaterThan(dot(query, unrelated) + 0.3);
	});

	it('backs an offline EmbeddingProvider', async () => {
		const provider = new HashedEmbeddingProvider();
		expect(await provider.embed(['a b', 'c'])).toEqual([hashedEmbedding('a b'), hashedEmbedding('c')]);
	});
});

import { describe, expect, it, vi } from 'vitest';

/** Every text handed to the tokenizer, to check what it is asked to merge at once. */
const handed: number[] = [];

vi.mock('gpt-tokenizer/encoding/o200k_base', async (importOriginal) => {
	const actual = await importOriginal<typeof import('gpt-tokenizer/encoding/o200k_base')>();
	return {
		...actual,
		countTokens: (text: string, options?: Parameters<typeof actual.countTokens>[1]) => {
			handed.push(text.length);
			return actual.countTokens(text, options);
		}
	};
});

const { countTextTokens } = await import('../../../src/lib/server/ai/token-count');

describe('token counting of long texts', () => {
	it('never hands the tokenizer more than a short piece, whatever the text (its merging is quadratic in a run)', () => {
		for (const text of ['x'.repeat(200_000), '中'.repeat(166_000), `${'word '.repeat(20_000)}${'😀'.repeat(50_000)}`]) {
			handed.length = 0;
			countTextTokens(text);
			expect(handed.reduce((sum, length) => sum + length, 0)).toBe(text.length);
			expect(Math.max(...handed)).toBeLessThanOrEqual(256);
		}
	});
});

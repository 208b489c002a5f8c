import { Decimal } from '@prisma/client/runtime/client';
import { describe, expect, it } from 'vitest';
import { costUsd } from '../../../src/lib/server/ai/pricing';

describe('costUsd', () => {
	it('prices prompt and completion tokens per million, exactly, with Prisma Decimals', () => {
		// gpt-4o-mini list prices: 1234 × 0.15 / 1e6 + 567 × 0.60 / 1e6 = 0.0001851 + 0.0003402
		const prices = { inputPricePer1m: new Decimal('0.150000'), outputPricePer1m: new Decimal('0.600000') };
		expect(costUsd({ promptTokens: 1234, completionTokens: 567 }, prices)).toBe('0.000525');
		expect(costUsd({ promptTokens: 1_000_000, completionTokens: 1_000_000 }, prices)).toBe('0.750000');
	});

	it('does not drift where floating point does', () => {
		// 35 × 0.1 / 1e6 is 0.0000035 exactly; as a float it is a hair below, and rounds down.
		const prices = { inputPricePer1m: '0.1', outputPricePer1m: '0' };
		expect(((35 * 0.1) / 1e6).toFixed(6)).toBe('0.000003');
		expect(costUsd({ promptTokens: 35, completionTokens: 0 }, prices)).toBe('0.000004');
		// Large totals keep every digit (a float keeps ~16 significant ones).
		const gpt5 = { inputPricePer1m: new Decimal('1.25'), outputPricePer1m: new Decimal('10') };
		expect(costUsd({ promptTokens: 123_456_789_012, completionTokens: 9_876_543_210 }, gpt5)).toBe('253086.418365');
	});

	it('rounds half up to a millionth of a dollar, once', () => {
		const prices = { inputPricePer1m: '0.1', outputPricePer1m: '0' };
		expect(costUsd({ promptTokens: 5, completionTokens: 0 }, prices)).toBe('0.000001'); // 0.0000005
		expect(costUsd({ promptTokens: 4, completionTokens: 0 }, prices)).toBe('0.000000'); // 0.0000004
		// Two halves in one call add up before rounding instead of rounding up twice.
		expect(costUsd({ promptTokens: 5, completionTokens: 5 }, { inputPricePer1m: '0.1', outputPricePer1m: '0.1' })).toBe('0.000001');
	});

	it('accepts numbers and free models', () => {
		expect(costUsd({ promptTokens: 2_000, completionTokens: 1_000 }, { inputPricePer1m: 2.5, outputPricePer1m: 10 })).toBe('0.015000');
		expect(costUsd({ promptTokens: 2_000, completionTokens: 1_000 }, { inputPricePer1m: 0, outputPricePer1m: 0 })).toBe('0.000000');
	});

	it('rejects negative prices and impossible token counts', () => {
		const prices = { inputPricePer1m: '0.15', outputPricePer1m: '0.6' };
		expect(() => costUsd({ promptTokens: 1, completionTokens: 1 }, { ...prices, inputPricePer1m: '-1' })).toThrow(/inputPricePer1m/);
		expect(() => costUsd({ promptTokens: 1.5, completionTokens: 1 }, prices)).toThrow(/promptTokens/);
		expect(() => costUsd({ promptTokens: 1, completionTokens: -1 }, prices)).toThrow(/completionTokens/);
	});
});

/**
 * What a model call cost, computed exactly. Prices arrive from Prisma as Decimal (numeric(12,6),
 * US dollars per million tokens); floats would drift (0.15 * 1234 / 1e6 is not 0.0001851), so the
 * arithmetic runs on integers (BigInt) and rounds once, at the end.
 */

/** Prisma.Decimal, a number, or a decimal string such as '0.150000'. */
export type Price = string | { toFixed(decimalPlaces: number): string };

export interface TokenCounts {
	promptTokens: number;
	completionTokens: number;
}

export interface ModelPrices {
	inputPricePer1m: Price;
	outputPricePer1m: Price;
}

/** Digits kept in a cost: cost_usd columns are numeric(14,6), a millionth of a dollar. */
export const COST_DECIMAL_PLACES = 6;
/** Digits read from a non-string price: the columns hold 6, more only guards against float noise. */
const PRICE_DECIMAL_PLACES = 12;
const TOKENS_PER_PRICE_UNIT = 1_000_000n;

interface ScaledDecimal {
	/** The value times 10^scale. */
	units: bigint;
	scale: number;
}

/**
 * The cost in US dollars as a decimal string with 6 places ('0.000185'), rounded half up: the form
 * Prisma accepts for Decimal columns and raw numeric parameters, with nothing lost on the way.
 */
export function costUsd(usage: TokenCounts, prices: ModelPrices): string {
	const input = parsePrice(prices.inputPricePer1m, 'inputPricePer1m');
	const output = parsePrice(prices.outputPricePer1m, 'outputPricePer1m');
	const scale = Math.max(input.scale, output.scale);
	const numerator =
		BigInt(tokenCount(usage.promptTokens, 'promptTokens')) * rescale(input, scale) +
		BigInt(tokenCount(usage.completionTokens, 'completionTokens')) * rescale(output, scale);
	const denominator = 10n ** BigInt(scale) * TOKENS_PER_PRICE_UNIT;
	const costScale = 10n ** BigInt(COST_DECIMAL_PLACES);
	const roundedUnits = (numerator * costScale * 2n + denominator) / (denominator * 2n);
	return formatScaled(roundedUnits, COST_DECIMAL_PLACES);
}

function parsePrice(price: Price, field: string): ScaledDecimal {
	const text = typeof price === 'string' ? price.trim() : price.toFixed(PRICE_DECIMAL_PLACES);
	const match = /^(\d+)(?:\.(\d*))?$/.exec(text);
	if (!match) throw new RangeError(`${field} must be a non-negative decimal number, got '${text}'`);
	const whole = match[1] ?? '0';
	const fraction = match[2] ?? '';
	return { units: BigInt(whole + fraction), scale: fraction.length };
}

function tokenCount(value: number, field: string): number {
	if (!Number.isSafeInteger(value) || value < 0) {
		throw new RangeError(`${field} must be a non-negative whole number, got ${value}`);
	}
	return value;
}

function rescale(value: ScaledDecimal, scale: number): bigint {
	return value.units * 10n ** BigInt(scale - value.scale);
}

function formatScaled(units: bigint, scale: number): string {
	const digits = units.toString().padStart(scale + 1, '0');
	return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

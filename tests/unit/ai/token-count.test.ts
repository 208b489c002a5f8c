import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { ProviderError, type ChatMessage } from '../../../src/lib/server/ai/provider';
import {
	countChatTokens,
	countMessageTokens,
	countTextTokens,
	trimHistoryToContextWindow
} from '../../../src/lib/server/ai/token-count';

const system: ChatMessage = { role: 'system', content: 'You are AirAssist, a helpful assistant.' };
const turn = (index: number): ChatMessage[] => [
	{ role: 'user', content: `Question number ${index}: what is the capital of country ${index}?` },
	{ role: 'assistant', content: `The capital of country ${index} is city ${index}, a lovely place to visit.` }
];

describe('token counting', () => {
	it('counts real o200k tokens, not characters or words', () => {
		// "Hello world" is two tokens in o200k_base; "tokenization" is split into sub-words.
		expect(countTextTokens('Hello world')).toBe(2);
		expect(countTextTokens('')).toBe(0);
		expect(countTextTokens('antidisestablishmentarianism')).toBeGreaterThan(1);
	});

	it('counts special-token text typed by a user as plain text instead of throwing', () => {
		expect(countTextTokens('say <|endoftext|> now')).toBeGreaterThan(3);
	});

	it('counts long prose and code in pieces exactly as the tokenizer counts them whole', () => {
		const whole = (text: string) => countTokens(text, { disallowedSpecial: new Set() });
		const prose = Array.from({ length: 1500 }, (_, i) => `Word${i} is, perhaps,\n  a little   longer than "that" (${i * 7}).\t\r\n`).join(' ');
		const code = Array.from({ length: 1500 }, (_, i) => `const v${i}=f(${i});\n\tif(v${i}>3){return v${i}}`).join('\n\n');
		for (const text of [prose, code]) expect(countTextTokens(text)).toBe(whole(text));
	});

	it('counts runs without whitespace (which the tokenizer merges in quadratic time) within 1 %', () => {
		const whole = (text: string) => countTokens(text, { disallowedSpecial: new Set() });
		for (const text of ['x'.repeat(20_000), '中'.repeat(8_000), '😀'.repeat(5_000), 'ab1'.repeat(5_000)]) {
			const counted = countTextTokens(text);
			expect(Math.abs(counted - whole(text)) / whole(text), text.slice(0, 3)).toBeLessThanOrEqual(0.01);
		}
		// The case that froze the server (issue 7's fuzz suite): 200,000 characters in one run.
		expect(countTextTokens('x'.repeat(200_000))).toBe(25_000);
	});

	it('adds OpenAI-style framing per message and for the reply', () => {
		const message: ChatMessage = { role: 'user', content: 'Hello world' };
		expect(countMessageTokens(message)).toBe(3 + countTextTokens('user') + 2);
		expect(countChatTokens([message, message])).toBe(3 + 2 * countMessageTokens(message));
	});
});

describe('trimHistoryToContextWindow', () => {
	const history = [system, ...turn(1), ...turn(2), ...turn(3), { role: 'user' as const, content: 'And country 4?' }];

	it('keeps everything when it fits', () => {
		const result = trimHistoryToContextWindow(history, { contextWindow: 10_000, reserveForOutput: 1_000 });
		expect(result.messages).toEqual(history);
		expect(result.droppedCount).toBe(0);
		expect(result.promptTokens).toBe(countChatTokens(history));
	});

	it('keeps the system prompt and the newest messages that fit, in order', () => {
		const newestThree = history.slice(-3);
		const budget = countChatTokens([system, ...newestThree]);
		const result = trimHistoryToContextWindow(history, { contextWindow: budget + 500, reserveForOutput: 500 });
		expect(result.messages).toEqual([system, ...newestThree]);
		expect(result.droppedCount).toBe(history.length - 4);
		expect(result.promptTokens).toBe(budget);
		// One token less and the oldest of those three no longer fits.
		const tighter = trimHistoryToContextWindow(history, { contextWindow: budget - 1 + 500, reserveForOutput: 500 });
		expect(tighter.messages).toEqual([system, ...history.slice(-2)]);
		expect(tighter.promptTokens).toBeLessThanOrEqual(budget - 1);
	});

	it('keeps a contiguous run: an old short message is not kept past a long one that was dropped', () => {
		const long: ChatMessage = { role: 'assistant', content: 'word '.repeat(400) };
		const messages: ChatMessage[] = [system, { role: 'user', content: 'hi' }, long, { role: 'user', content: 'thanks' }];
		const result = trimHistoryToContextWindow(messages, { contextWindow: 200, reserveForOutput: 50 });
		expect(result.messages).toEqual([system, { role: 'user', content: 'thanks' }]);
		expect(result.droppedCount).toBe(2);
	});

	it('may drop the system prompt too when told not to keep it', () => {
		const newest = history.slice(-1);
		const budget = countChatTokens(newest);
		const result = trimHistoryToContextWindow(history, { contextWindow: budget, reserveForOutput: 0, keepSystem: false });
		expect(result.messages).toEqual(newest);
	});

	it('refuses a newest message that cannot fit, with a readable bad_request error', () => {
		const huge: ChatMessage = { role: 'user', content: 'lorem ipsum '.repeat(2_000) };
		const attempt = () => trimHistoryToContextWindow([system, huge], { contextWindow: 1_000, reserveForOutput: 200 });
		expect(attempt).toThrow(ProviderError);
		expect(attempt).toThrow(/too long for this model/);
		try {
			attempt();
		} catch (error) {
			expect(error).toMatchObject({ kind: 'bad_request', retryable: false });
		}
	});
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSessionInput, encodedSize, MAX_MESSAGE_BYTES, MESSAGE_TOO_LARGE, sendMessageInput } from '../../src/lib/schemas/chat';
import { updateSettingsInput } from '../../src/lib/schemas/account';
import { signUpInput } from '../../src/lib/schemas/auth';

const SEED = 20_260_507;

describe('text that reaches Postgres', () => {
	it('drops NUL from what people write (messages, titles, names) and keeps the rest', () => {
		expect(sendMessageInput.parse({ content: 'hi\u0000there' }).content).toBe('hithere');
		expect(createSessionInput.parse({ title: 'ti\u0000tle' }).title).toBe('title');
		expect(signUpInput.parse({ email: 'a@example.test', password: 'correcthorse42', displayName: 'A\u0000da' }).displayName).toBe('Ada');
		// Nothing but NULs is an empty message, refused as one.
		expect(sendMessageInput.safeParse({ content: '\u0000\u0000' }).error?.issues[0]?.message).toBe('Write a message first');
	});

	it('refuses control characters in values a client picks from a list', () => {
		const model = sendMessageInput.safeParse({ content: 'hi', model: 'gpt-4o\u0000' });
		expect(model.error?.issues[0]?.message).toBe('A model id must not contain control characters');
		const settings = { theme: 'system', defaultModel: null, temperature: 1, maxTokens: 100, systemPrompt: 'be\u0000 brief', useKnowledgeBase: true, language: 'en' };
		expect(updateSettingsInput.parse(settings).systemPrompt).toBe('be brief');
		expect(updateSettingsInput.safeParse({ ...settings, language: 'e\u0000n' }).success).toBe(false);
	});
});

describe('message size', () => {
	it('counts exactly the UTF-8 bytes of the JSON the client sends, for any string', () => {
		fc.assert(
			fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
				expect(encodedSize(text)).toBe(Buffer.byteLength(JSON.stringify(text), 'utf8'));
			}),
			{ seed: SEED, numRuns: 2_000 }
		);
		// Lone surrogates, which `binary` rarely produces, are escaped as \udxxx.
		expect(encodedSize('\ud800x\udfff')).toBe(Buffer.byteLength(JSON.stringify('\ud800x\udfff')));
	});

	it('refuses what would not fit in the request body with a sentence for people, and 190,000 Latin letters still pass', () => {
		const cjk = sendMessageInput.safeParse({ content: '中'.repeat(190_000) });
		expect(cjk.error?.issues.map((issue) => issue.message)).toEqual([MESSAGE_TOO_LARGE]);
		expect(sendMessageInput.safeParse({ content: 'a'.repeat(190_000) }).success).toBe(true);
		// Whatever passes fits in adapter-node's default 512 KB body, envelope included.
		const largest = '中'.repeat(Math.floor((MAX_MESSAGE_BYTES - 2) / 3));
		const body = JSON.stringify({ 0: { json: { content: largest, sessionId: crypto.randomUUID(), model: 'm'.repeat(200), parentId: crypto.randomUUID() } } });
		expect(sendMessageInput.safeParse({ content: largest }).success).toBe(true);
		expect(Buffer.byteLength(body)).toBeLessThan(512 * 1024);
	});
});

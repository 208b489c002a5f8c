import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, secretKeyFrom } from '../../../src/lib/server/ai/secret-box';
import { providerFor } from '../../../src/lib/server/ai/provider-registry';

const key = secretKeyFrom('ab'.repeat(32));
const otherKey = secretKeyFrom(Buffer.alloc(32, 7).toString('base64'));

describe('models’ API keys at rest', () => {
	it('round-trips, with a fresh IV each time and nothing of the plaintext in the stored form', () => {
		const a = encryptSecret(key, 'sk-live-123', 'model-1');
		const b = encryptSecret(key, 'sk-live-123', 'model-1');
		expect(a).not.toBe(b);
		expect(a).not.toContain('sk-live');
		expect(a).toMatch(/^v1:[0-9a-f]{8}:[\w-]+:[\w-]+:[\w-]+$/);
		expect(decryptSecret(key, a, 'model-1')).toBe('sk-live-123');
	});

	it('refuses, in words, a copy on another row, another secret, no secret, a damaged value', () => {
		const stored = encryptSecret(key, 'sk-live-123', 'model-1');
		expect(() => decryptSecret(key, stored, 'model-2')).toThrow(/damaged/);
		expect(() => decryptSecret(otherKey, stored, 'model-1')).toThrow(/different MODEL_KEYS_SECRET/);
		expect(() => decryptSecret(null, stored, 'model-1')).toThrow(/MODEL_KEYS_SECRET is not set/);
		expect(() => decryptSecret(key, stored.slice(0, -4), 'model-1')).toThrow(/damaged/);
		expect(() => encryptSecret(null, 'sk', 'model-1')).toThrow(/set MODEL_KEYS_SECRET/);
	});

	it('a model with its own key gets a provider; an unreadable one fails with the reason', () => {
		const model = { id: 'model-1', modelName: 'llama', provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', contextWindow: 8192, maxTokens: 100, temperature: null, topP: null };
		const apiKeyCiphertext = encryptSecret(key, 'own-key', 'model-1');
		expect(providerFor({ ...model, apiKeyCiphertext }, { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined, MODEL_KEYS_SECRET: 'ab'.repeat(32) }).name).toBe('openai-compatible');
		expect(() => providerFor({ ...model, apiKeyCiphertext }, { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined })).toThrow(/llama: .*MODEL_KEYS_SECRET is not set/);
	});
});

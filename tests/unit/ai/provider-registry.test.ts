import { Decimal } from '@prisma/client/runtime/client';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { OfflineChatProvider } from '../../../src/lib/server/ai/offline-provider';
import { OpenAIChatProvider } from '../../../src/lib/server/ai/openai-provider';
import { ProviderError } from '../../../src/lib/server/ai/provider';
import { chatRequestFor, providerFor, type ModelSettings } from '../../../src/lib/server/ai/provider-registry';
import type { ModelConfiguration } from '../../../src/lib/server/db/generated/client';

const gpt4oMini: ModelSettings = {
	modelName: 'gpt-4o-mini',
	provider: 'openai',
	baseUrl: null,
	contextWindow: 128_000,
	maxTokens: 16_384,
	temperature: new Decimal('0.70'),
	topP: null
};

describe('providerFor', () => {
	it('accepts a model_configurations row from Prisma as it is', () => {
		expectTypeOf<ModelConfiguration>().toExtend<ModelSettings>();
	});

	it('falls back to the offline assistant, flagged, when an OpenAI model has no key and no base URL', () => {
		const provider = providerFor(gpt4oMini, {});
		expect(provider).toBeInstanceOf(OfflineChatProvider);
		expect(provider.name).toBe('offline');
		expect(provider.isOfflineFallback).toBe(true);
	});

	it('uses the offline assistant, not flagged, when the offline model was chosen', () => {
		const provider = providerFor({ ...gpt4oMini, modelName: 'offline', provider: 'offline' }, { OPENAI_API_KEY: 'sk-x' });
		expect(provider.name).toBe('offline');
		expect(provider.isOfflineFallback).toBe(false);
	});

	it('uses OpenAI with a key, or a configured OpenAI-compatible server without one', () => {
		const withKey = providerFor(gpt4oMini, { OPENAI_API_KEY: 'sk-test' });
		expect(withKey).toBeInstanceOf(OpenAIChatProvider);
		expect(withKey).toMatchObject({ name: 'openai', isOfflineFallback: false });
		const viaOllama = providerFor(gpt4oMini, { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' });
		expect(viaOllama).toMatchObject({ name: 'openai', isOfflineFallback: false });
		const compatible = providerFor({ ...gpt4oMini, provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:8000/v1' }, {});
		expect(compatible).toMatchObject({ name: 'openai-compatible', isOfflineFallback: false });
	});

	it('refuses configurations it cannot serve, saying what is wrong', () => {
		expect(() => providerFor({ ...gpt4oMini, provider: 'openai-compatible' }, {})).toThrow(/no base URL, and OPENAI_BASE_URL is not set/);
		expect(() => providerFor({ ...gpt4oMini, provider: 'anthropic' }, {})).toThrow(ProviderError);
	});
});

describe('chatRequestFor', () => {
	it('sends the configured settings, and leaves out the ones set to null', () => {
		const signal = new AbortController().signal;
		const request = chatRequestFor(gpt4oMini, [{ role: 'user', content: 'hi' }], signal);
		expect(request).toEqual({
			model: 'gpt-4o-mini',
			messages: [{ role: 'user', content: 'hi' }],
			temperature: 0.7,
			topP: undefined,
			maxTokens: 16_384,
			signal
		});
		const gpt5 = chatRequestFor({ ...gpt4oMini, modelName: 'gpt-5', temperature: null, topP: 0.9, maxTokens: null }, []);
		expect(gpt5).toMatchObject({ temperature: undefined, topP: 0.9, maxTokens: undefined });
	});
});

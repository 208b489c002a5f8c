import { describe, expect, it } from 'vitest';
import { OfflineChatProvider, type Passage } from '../../../src/lib/server/ai/offline-provider';
import { ProviderError, type ChatRequest } from '../../../src/lib/server/ai/provider';
import { countTextTokens } from '../../../src/lib/server/ai/token-count';
import { collectStream } from '../../fakes/collect-stream';

const passages: Passage[] = [
	{ title: 'Office hours', content: 'The office is open from 9:00 to 17:00, Monday to Friday.', source: 'handbook.pdf' },
	{ title: 'Parking', content: 'Visitors park in the north lot; staff use the garage under building B.' },
	{ title: 'Holidays', content: 'Staff get 25 days of paid holiday per year.' }
];

function ask(question: string, signal?: AbortSignal): ChatRequest {
	return {
		model: 'offline',
		messages: [
			{ role: 'system', content: 'You are AirAssist.' },
			{ role: 'user', content: question }
		],
		signal
	};
}

describe('offline provider', () => {
	it('quotes the relevant passages and cites them, most relevant first', async () => {
		const queries: string[] = [];
		const provider = new OfflineChatProvider({
			retrieve: async (query) => {
				queries.push(query);
				return passages;
			}
		});
		const result = await collectStream(provider.streamChat(ask('When does the office open, and where do visitors park?')));

		expect(result.error).toBeUndefined();
		expect(queries).toEqual(['When does the office open, and where do visitors park?']);
		expect(result.text).toContain('> The office is open from 9:00 to 17:00, Monday to Friday. [1]');
		expect(result.text).toContain('> Visitors park in the north lot; staff use the garage under building B. [2]');
		expect(result.text).toContain('[1] Office hours — handbook.pdf');
		expect(result.text).toContain('[2] Parking');
		// Nothing about holidays was asked: that passage is not quoted.
		expect(result.text).not.toContain('Holidays');
		expect(result.text).toMatch(/offline mode/i);
	});

	it('streams in small chunks and reports counted usage in exactly one final event', async () => {
		const provider = new OfflineChatProvider({ retrieve: async () => passages });
		const result = await collectStream(provider.streamChat(ask('office hours?')));
		expect(result.deltas.length).toBeGreaterThan(10);
		expect(result.events.at(-1)?.type).toBe('done');
		expect(result.done).toHaveLength(1);
		expect(result.done[0]).toMatchObject({
			finishReason: 'stop',
			usage: { completionTokens: countTextTokens(result.text), source: 'counted' }
		});
		expect(result.done[0]?.usage.promptTokens).toBeGreaterThan(0);
	});

	it('with nothing relevant, says plainly that no model is configured and how to configure one', async () => {
		const provider = new OfflineChatProvider({ retrieve: async () => passages, isOfflineFallback: true });
		const result = await collectStream(provider.streamChat(ask('Explain quantum chromodynamics')));
		expect(result.text).toContain('No language model is configured');
		expect(result.text).toContain('OPENAI_API_KEY');
		expect(result.text).toContain('OPENAI_BASE_URL');
		expect(result.text).toMatch(/Ollama/);
		expect(result.text).toMatch(/OPENAI_BASE_URL/);
		expect(result.text).not.toMatch(/admin/i);
		expect(result.text).not.toContain('[1]');
	});

	it('explains configuration without a knowledge base search wired in', async () => {
		const result = await collectStream(new OfflineChatProvider().streamChat(ask('office hours?')));
		expect(result.text).toContain('OPENAI_API_KEY');
		expect(result.done).toHaveLength(1);
	});

	it('stops when aborted, as a partial ProviderError', async () => {
		const controller = new AbortController();
		const provider = new OfflineChatProvider({ retrieve: async () => passages });
		const result = await collectStream(provider.streamChat(ask('office hours?', controller.signal)), (event) => {
			if (event.type === 'delta') controller.abort();
		});
		expect(result.deltas).toHaveLength(1);
		expect(result.done).toHaveLength(0);
		expect(result.error).toBeInstanceOf(ProviderError);
		expect(result.error).toMatchObject({ kind: 'aborted', partial: true });
	});

	it('reports a failing knowledge base search as unavailable, without its internals', async () => {
		const provider = new OfflineChatProvider({
			retrieve: async () => {
				throw new Error('relation "knowledge_base" does not exist');
			}
		});
		const result = await collectStream(provider.streamChat(ask('office hours?')));
		expect(result.error).toMatchObject({ kind: 'unavailable' });
		expect(String(result.error)).not.toContain('relation');
	});
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ThreadMessage } from '../../src/lib/chat/types';
import type { ProviderOptions } from '../../src/lib/server/ai/provider-registry';
import { streamAnswer } from '../../src/lib/server/chat/chat.service';
import { AppError } from '../../src/lib/server/errors';
import { whenGenerationsSettled } from '../../src/lib/server/chat/answer/generate';
import { ingestPending } from '../../src/lib/server/knowledge/ingestion';
import { createServices, providerLookup } from '../../src/lib/server/services';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai-server';
import { signedUpCaller } from '../support/callers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const FAST: ProviderOptions = { timeouts: { firstTokenMs: 2_000, idleMs: 2_000 }, retry: { maxRetries: 0, baseDelayMs: 10, maxDelayMs: 30, maxRetryAfterMs: 100 }, offlineChunkDelayMs: 0 };
const queued: string[] = [];
const services = createServices({ providers: providerLookup(FAST), ingestion: { schedule: async (id) => void queued.push(id), scheduleReembedding: async () => undefined } });

let test: TestDatabase;
let llm: FakeOpenAI;
let alice: Awaited<ReturnType<typeof signedUpCaller>>;
let bob: Awaited<ReturnType<typeof signedUpCaller>>;
let canteenChunk: string;

async function finalOf(messageId: string, userId: string): Promise<ThreadMessage> {
	let final: ThreadMessage | null = null;
	for await (const event of streamAnswer({ db: test.db }, userId, messageId)) if (event.type === 'done') final = event.message;
	if (!final) throw new Error('no final message');
	return final;
}

function lastSystemPrompt(): string {
	const body = llm.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)?.body as { messages: { role: string; content: string }[] };
	return body.messages.find((message) => message.role === 'system')?.content ?? '';
}

beforeAll(async () => {
	test = await createTestDatabase();
	llm = await startFakeOpenAI();
	await test.db.prisma.modelConfiguration.update({ where: { modelName: 'gpt-4o-mini' }, data: { provider: 'openai-compatible', baseUrl: llm.url } });
	await signedUpCaller(test.db, 'site-admin');
	alice = await signedUpCaller(test.db, 'alice', undefined, services);
	bob = await signedUpCaller(test.db, 'bob', undefined, services);
	await test.db.prisma.profile.updateMany({ where: { id: { in: [alice.user.id, bob.user.id] } }, data: { tier: 'enterprise' } });
	const canteen = await alice.caller.knowledge.documents.create({
		title: 'Office handbook',
		format: 'markdown',
		content: '# Office handbook\n\n## Canteen\n\nThe staff canteen serves vegetable lasagne every Thursday, from noon to two.\n\n## Parking\n\nVisitors park in the north lot and sign in at reception.'
	});
	await ingestPending({ db: test.db, services }, queued.splice(0));
	canteenChunk = (await alice.caller.knowledge.documents.get({ id: canteen.id })).chunks.find((chunk) => chunk.headingPath.includes('Canteen'))?.id ?? '';
	expect(canteenChunk).not.toBe('');
});
afterEach(async () => {
	await whenGenerationsSettled();
	llm.reset();
});
afterAll(async () => {
	await llm.close();
	await test.dispose();
});

describe('grounded answers', () => {
	it('puts numbered sources in the prompt and saves which chunks the citations point at', async () => {
		llm.script({ reply: 'The canteen serves vegetable lasagne on Thursdays [1].' });
		llm.script({ reply: 'Canteen day' });
		const sent = await alice.caller.chat.send({ content: 'What does the canteen serve on Thursdays?', knowledge: true });
		const final = await finalOf(sent.assistantMessage.id, alice.user.id);

		const system = lastSystemPrompt();
		expect(system).toContain('[1] Office handbook › Canteen\nThe staff canteen serves vegetable lasagne');
		expect(system).toMatch(/cite each claim/);

		const cited = [...final.content.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
		expect(cited).toEqual([1]);
		const byNumber = new Map(final.sources.filter((source) => source.used).map((source) => [source.number, source]));
		for (const number of cited) expect(byNumber.get(number)).toMatchObject({ chunkId: canteenChunk, title: 'Office handbook', headingPath: ['Office handbook', 'Canteen'], used: true });
		expect(byNumber.get(1)?.score).toBeGreaterThan(0);

		// The chat API returns the same list with the saved message.
		const thread = await alice.caller.chat.messages.list({ sessionId: sent.sessionId });
		expect(thread.items.at(-1)?.sources).toEqual(final.sources);
	});

	it('another user’s private document never reaches the prompt or the sources', async () => {
		llm.script({ reply: 'I do not know.' });
		llm.script({ reply: 'Title' });
		const sent = await bob.caller.chat.send({ content: 'What does the canteen serve on Thursdays?', knowledge: true });
		const final = await finalOf(sent.assistantMessage.id, bob.user.id);
		expect(lastSystemPrompt()).not.toContain('lasagne');
		expect(final.sources).toEqual([]);
	});

	it('knowledge: false answers without sources, and the chat remembers the switch', async () => {
		llm.script({ reply: 'No idea.' });
		llm.script({ reply: 'Title' });
		const sent = await alice.caller.chat.send({ content: 'What does the canteen serve on Thursdays?', knowledge: false });
		const final = await finalOf(sent.assistantMessage.id, alice.user.id);
		expect(lastSystemPrompt()).not.toContain('Sources:');
		expect(final.sources).toEqual([]);
		llm.script({ reply: 'Still no idea.' });
		const again = await alice.caller.chat.send({ content: 'And the canteen on Thursdays?', sessionId: sent.sessionId });
		await finalOf(again.assistantMessage.id, alice.user.id);
		expect(lastSystemPrompt()).not.toContain('Sources:');
		// What the composer's switch shows: the chat's own setting; a new chat follows the user's.
		expect(await alice.caller.chat.knowledge({ sessionId: sent.sessionId })).toEqual({ enabled: false, followsSettings: false });
		expect(await alice.caller.chat.knowledge({ sessionId: null })).toEqual({ enabled: true, followsSettings: true });
		await expect(bob.caller.chat.knowledge({ sessionId: sent.sessionId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
	});

	it('the offline assistant quotes the same retrieval, with the same numbers', async () => {
		const sent = await alice.caller.chat.send({ content: 'What does the canteen serve on Thursdays?', model: 'offline', knowledge: true });
		const final = await finalOf(sent.assistantMessage.id, alice.user.id);
		expect(final.content).toContain('vegetable lasagne');
		const cited = [...new Set([...final.content.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1])))];
		expect(cited.length).toBeGreaterThan(0);
		for (const number of cited) expect(final.sources.find((source) => source.number === number)?.used).toBe(true);
		expect(final.sources.find((source) => source.number === cited[0])?.chunkId).toBe(canteenChunk);
	});
});

describe('quota and the knowledge base', () => {
	const QUESTION = 'What does the canteen serve on Thursdays?';
	const logsOf = (userId: string) => test.db.prisma.apiUsageLog.findMany({ where: { userId }, orderBy: { id: 'asc' }, select: { endpoint: true, status: true, promptTokens: true } });
	const capTokens = (userId: string, tokensPerDay: number) => test.db.prisma.userLimitOverride.upsert({ where: { userId }, create: { userId, tokensPerDay: BigInt(tokensPerDay) }, update: { tokensPerDay: BigInt(tokensPerDay) } });

	async function canteenReader(name: string) {
		const reader = await signedUpCaller(test.db, name, undefined, services);
		await test.db.prisma.profile.update({ where: { id: reader.user.id }, data: { tier: 'enterprise' } });
		// Reads Alice's handbook as a published document would be read.
		await test.db.prisma.knowledgeBaseEntry.updateMany({ where: { id: canteenChunk }, data: { visibility: 'public' } });
		return reader;
	}
	afterAll(async () => {
		await test.db.prisma.knowledgeBaseEntry.updateMany({ where: { id: canteenChunk }, data: { visibility: 'private' } });
	});

	it('a send the quota refuses embeds nothing: its one usage row is the refusal', async () => {
		const carol = await canteenReader('carol');
		await capTokens(carol.user.id, 10);
		await expect(carol.caller.chat.send({ content: QUESTION, knowledge: true })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
		expect(await logsOf(carol.user.id)).toEqual([{ endpoint: 'chat', status: 'rate_limited', promptTokens: 0 }]);
		expect(await test.db.prisma.quotaReservation.count({ where: { userId: carol.user.id } })).toBe(0);
	});

	it('the answer is booked with its sources: sources that would pass the cap refuse the send and leave no booking', async () => {
		// Measure both prompts with an uncapped reader: the same question with and without its sources.
		const dave = await canteenReader('dave');
		llm.script({ reply: 'Lasagne [1].' });
		llm.script({ reply: 'Title' });
		await finalOf((await dave.caller.chat.send({ content: QUESTION, knowledge: true })).assistantMessage.id, dave.user.id);
		llm.script({ reply: 'Lasagne.' });
		llm.script({ reply: 'Title' });
		await finalOf((await dave.caller.chat.send({ content: QUESTION, knowledge: false })).assistantMessage.id, dave.user.id);
		const chats = (await logsOf(dave.user.id)).filter((row) => row.endpoint === 'chat' && row.status === 'success');
		const [sourced, plain] = [chats[0]?.promptTokens ?? 0, chats[1]?.promptTokens ?? 0];
		expect(sourced).toBeGreaterThan(plain + 10);

		// The prompt without sources fits with room for an answer (64 tokens at least); with them it doesn't.
		const erin = await canteenReader('erin');
		await capTokens(erin.user.id, plain + 64 + Math.floor((sourced - plain) / 2));
		const refusal = await erin.caller.chat.send({ content: QUESTION, knowledge: true }).catch((error: unknown) => error);
		expect(refusal).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
		expect(refusal instanceof Error && refusal.cause instanceof AppError ? refusal.cause.quota : null).toMatchObject({ kind: 'tokens_per_day' });
		await whenGenerationsSettled();
		expect(await test.db.prisma.quotaReservation.count({ where: { userId: erin.user.id } })).toBe(0);
		const rows = await logsOf(erin.user.id);
		expect(rows.map((row) => `${row.endpoint}:${row.status}`).sort()).toEqual(['chat:rate_limited', 'embedding:success']);
		expect(await test.db.prisma.chatSession.count({ where: { userId: erin.user.id } })).toBe(0);

		// Without the knowledge base the same question fits.
		llm.script({ reply: 'Lasagne.' });
		llm.script({ reply: 'Title' });
		await finalOf((await erin.caller.chat.send({ content: QUESTION, knowledge: false })).assistantMessage.id, erin.user.id);
	});
});

describe('the question embedding', () => {
	const embeddingsOf = (userId: string) => test.db.prisma.apiUsageLog.count({ where: { userId, endpoint: 'embedding' } });

	it('is skipped when the vector side cannot change the sources: weight 0 and enough keyword matches', async () => {
		const active = await test.db.prisma.knowledgeEmbedder.findFirst({ where: { state: 'active' } });
		expect(active).toMatchObject({ name: 'use-lite', vectorWeight: 0 });
		const frank = await signedUpCaller(test.db, 'frank', undefined, services);
		await test.db.prisma.profile.update({ where: { id: frank.user.id }, data: { tier: 'enterprise' } });
		const sections = Array.from({ length: 8 }, (_, index) => `## Rack ${index + 1}\n\nBicycle rack ${index + 1} holds ten bicycles near door ${index + 1} of the north building. Lock the front wheel and the frame to the rack, and take lights and bags with you.`).join('\n\n');
		await frank.caller.knowledge.documents.create({ title: 'Bicycle racks', format: 'markdown', content: `# Bicycle racks\n\n${sections}` });
		await ingestPending({ db: test.db, services }, queued.splice(0));
		const ingestion = await embeddingsOf(frank.user.id); // the document's own chunks, charged to its owner

		llm.script({ reply: 'Rack 1 [1].' });
		llm.script({ reply: 'Title' });
		const many = await frank.caller.chat.send({ content: 'Which bicycle rack is near door 3?', knowledge: true });
		const answered = await finalOf(many.assistantMessage.id, frank.user.id);
		expect(answered.sources.filter((source) => source.used).length).toBeGreaterThanOrEqual(6);
		expect(await embeddingsOf(frank.user.id)).toBe(ingestion);

		// Few keyword matches: the vectors may add what BM25 can't find, so the question is embedded.
		llm.script({ reply: 'No idea.' });
		llm.script({ reply: 'Title' });
		const few = await frank.caller.chat.send({ content: 'Where can visitors leave their cars?', knowledge: true });
		await finalOf(few.assistantMessage.id, frank.user.id);
		expect(await embeddingsOf(frank.user.id)).toBe(ingestion + 1);
	});
});

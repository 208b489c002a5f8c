import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddingProvider } from '../../src/lib/server/ai/provider';
import type { ProviderOptions } from '../../src/lib/server/ai/provider-registry';
import { asUser } from '../../src/lib/server/db/user-context';
import { uploadDocument } from '../../src/lib/server/knowledge/documents.service';
import { ingestDocument, ingestPending } from '../../src/lib/server/knowledge/ingestion';
import { startReembedding } from '../../src/lib/server/knowledge/embedders.service';
import { beginReembedding, runReembedding } from '../../src/lib/server/knowledge/reembed';
import { searchChunks } from '../../src/lib/server/knowledge/search.service';
import { createServices, providerLookup, type AppServices } from '../../src/lib/server/services';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai-server';
import { signedUpCaller } from '../support/callers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const FAST: ProviderOptions = { retry: { maxRetries: 0, baseDelayMs: 10, maxDelayMs: 30, maxRetryAfterMs: 100 }, offlineChunkDelayMs: 0 };
const FIXTURES = 'tests/fixtures/knowledge';

let test: TestDatabase;
let llm: FakeOpenAI;
/** Documents handed to the "queue"; the tests run their ingestion explicitly, like the worker would. */
const queued: string[] = [];
/** Wraps the embedding provider of 'model' embedders, e.g. to stop mid-way like a crash. */
let wrapEmbedding: ((inner: EmbeddingProvider) => EmbeddingProvider) | null = null;
const lookup = providerLookup(FAST);
const services: AppServices = createServices({
	providers: { chat: lookup.chat, embedding: (model, dimensions) => (wrapEmbedding ?? ((inner) => inner))(lookup.embedding(model, dimensions)) },
	ingestion: {
		schedule: async (id) => void queued.push(id),
		scheduleReembedding: async () => undefined
	}
});
const deps = () => ({ db: test.db, services });
const drain = () => ingestPending(deps(), queued.splice(0));

let admin: Awaited<ReturnType<typeof signedUpCaller>>;
let alice: Awaited<ReturnType<typeof signedUpCaller>>;
let bob: Awaited<ReturnType<typeof signedUpCaller>>;

async function setActiveEmbedder(name: string): Promise<void> {
	await test.db.prisma.$transaction([
		test.db.prisma.knowledgeEmbedder.updateMany({ where: { state: { in: ['active', 'building'] } }, data: { state: 'inactive' } }),
		test.db.prisma.knowledgeEmbedder.update({ where: { name }, data: { state: 'active' } })
	]);
}

async function chunksOf(documentId: string) {
	return test.db.prisma.knowledgeBaseEntry.findMany({ where: { documentId }, orderBy: { chunkIndex: 'asc' }, select: { content: true, headingPath: true, page: true, embedder: true, embeddingDimensions: true } });
}

beforeAll(async () => {
	test = await createTestDatabase();
	llm = await startFakeOpenAI();
	await test.db.prisma.modelConfiguration.update({ where: { modelName: 'text-embedding-3-small' }, data: { provider: 'openai-compatible', baseUrl: llm.url } });
	admin = await signedUpCaller(test.db, 'site-admin', undefined, services); // the first account is the admin
	alice = await signedUpCaller(test.db, 'alice', undefined, services);
	bob = await signedUpCaller(test.db, 'bob', undefined, services);
	await test.db.prisma.profile.updateMany({ where: { id: { in: [alice.user.id, bob.user.id] } }, data: { tier: 'enterprise' } });
});
afterEach(() => {
	llm.reset();
	wrapEmbedding = null;
});
afterAll(async () => {
	await llm.close();
	await test.dispose();
});

describe('ingestion', () => {
	it('chunks Markdown by headings, HTML, DOCX (Word headings) and PDF (per page), and embeds every chunk', async () => {
		const markdown = await alice.caller.knowledge.documents.create({
			title: 'Boat manual',
			format: 'markdown',
			content: '# Boat manual\n\nIntro to the boat.\n\n## Engine\n\nCheck the oil before every trip. The outboard engine uses two-stroke oil.\n\n## Sails\n\nReef the mainsail when the wind passes twenty knots.'
		});
		const html = await alice.caller.knowledge.documents.create({
			title: 'Recipes',
			format: 'html',
			content: '<h1>Recipes</h1><p>Our kitchen favourites.</p><h2>Pancakes</h2><p>Whisk flour, eggs and milk; rest the batter for thirty minutes before frying.</p>'
		});
		const docx = await uploadDocument(deps(), alice.user, { name: 'handbook.docx', bytes: readFileSync(`${FIXTURES}/handbook.docx`) }, {});
		const pdf = await uploadDocument(deps(), alice.user, { name: 'logbook.pdf', bytes: readFileSync(`${FIXTURES}/logbook.pdf`) }, {});
		expect(queued).toHaveLength(4);
		await drain();

		const mdChunks = await chunksOf(markdown.id);
		expect(mdChunks.map((chunk) => chunk.headingPath)).toEqual([
			['Boat manual', 'Engine'],
			['Boat manual', 'Sails']
		]);
		expect(mdChunks[0]?.content).toContain('Intro to the boat.'); // a one-line intro joins the next section
		expect(mdChunks[1]?.content).toBe('Reef the mainsail when the wind passes twenty knots.');

		expect((await chunksOf(html.id)).map((chunk) => [chunk.headingPath, chunk.content])).toEqual([
			[['Recipes', 'Pancakes'], 'Our kitchen favourites.\n\nWhisk flour, eggs and milk; rest the batter for thirty minutes before frying.']
		]);

		const docxChunks = await chunksOf(docx.id);
		expect(docxChunks.map((chunk) => chunk.headingPath)).toEqual([
			['Greenhouse handbook', 'Watering schedule'],
			['Greenhouse handbook', 'Winter storage']
		]);
		expect(docxChunks[0]?.content).toContain('waters the tomato beds every morning');

		const pdfChunks = await chunksOf(pdf.id);
		expect(pdfChunks.map((chunk) => chunk.page)).toEqual([1, 2]);
		expect(pdfChunks[1]?.content).toContain('Diesel for the generator arrives by boat');

		const detail = await alice.caller.knowledge.documents.get({ id: pdf.id });
		expect(detail).toMatchObject({ status: 'ready', format: 'pdf', source: 'logbook.pdf', title: 'logbook', chunkCount: 2, embeddedCount: 2, ownership: 'mine', visibility: 'private' });
		// The offline default: USE-lite's 512-d vectors, recorded per chunk.
		expect(pdfChunks.every((chunk) => chunk.embedder === 'use-lite' && chunk.embeddingDimensions === 512)).toBe(true);
	});

	it('refuses unsupported, empty and unreadable files with a message, and drops NUL characters from pasted text', async () => {
		await expect(uploadDocument(deps(), alice.user, { name: 'setup.exe', bytes: new Uint8Array([1, 2, 3]) }, {})).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('not a supported type') });
		await expect(uploadDocument(deps(), alice.user, { name: 'empty.md', bytes: new Uint8Array() }, {})).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'empty.md is empty.' });
		await expect(uploadDocument(deps(), alice.user, { name: 'broken.pdf', bytes: new TextEncoder().encode('not a pdf at all') }, {})).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('broken.pdf could not be read as a PDF') });
		await expect(uploadDocument(deps(), alice.user, { name: 'blank.txt', bytes: new TextEncoder().encode(' \n\n ') }, {})).rejects.toMatchObject({ message: 'blank.txt contains no text.' });
		expect(queued).toHaveLength(0);

		const created = await alice.caller.knowledge.documents.create({ title: 'Nul\0 test', format: 'text', content: 'tab\0le of contents' });
		await drain();
		const detail = await alice.caller.knowledge.documents.get({ id: created.id });
		expect(detail.title).toBe('Nul test');
		expect(detail.chunks.map((chunk) => chunk.content)).toEqual(['table of contents']);
	});

	it('refuses publishing by a non-admin, and a document past the tier limit with the quota error', async () => {
		await expect(alice.caller.knowledge.documents.create({ title: 'Public', format: 'text', content: 'hello', visibility: 'public' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
		const carol = await signedUpCaller(test.db, 'carol', undefined, services);
		await test.db.prisma.tierLimit.update({ where: { tier: 'basic' }, data: { maxKnowledgeDocuments: 1 } });
		await test.db.prisma.profile.update({ where: { id: carol.user.id }, data: { tier: 'basic' } });
		await carol.caller.knowledge.documents.create({ title: 'First', format: 'text', content: 'one' });
		const refused = await carol.caller.knowledge.documents.create({ title: 'Second', format: 'text', content: 'two' }).catch((error: unknown) => error);
		expect(refused).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: "You've reached your limit of 1 knowledge base document; delete one to add another." });
		expect(refused).toMatchObject({ cause: { quota: { kind: 'knowledge_documents', limit: 1, used: 1, resetAt: null } } });
		expect((await carol.caller.usage.me()).limits.find((limit) => limit.kind === 'knowledge_documents')).toMatchObject({ used: 1, limit: 1 });
		queued.splice(0);
	});

	it('refuses a document over the tier’s size cap (an override of 0 MB here) with the quota error, before saving it', async () => {
		const dave = await signedUpCaller(test.db, 'dave', undefined, services);
		await admin.caller.admin.users.setOverrides({ id: dave.user.id, requestsPerMinute: null, requestsPerDay: null, tokensPerDay: null, monthlyCostCapUsd: null, maxKnowledgeDocuments: null, maxKnowledgeDocumentMb: 0, allowedModels: [], note: 'no documents' });
		const refused = await dave.caller.knowledge.documents.create({ title: 'Pasted', format: 'text', content: 'some text' }).catch((error: unknown) => error);
		expect(refused).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: 'This document is 0.1 MB; your plan accepts knowledge base documents up to 0 MB.' });
		expect(refused).toMatchObject({ cause: { quota: { kind: 'knowledge_document_mb', limit: 0, used: 0.1, resetAt: null } } });
		const upload = await uploadDocument(deps(), dave.user, { name: 'a.md', bytes: new TextEncoder().encode('# A') }, {}).catch((error: unknown) => error);
		expect(upload).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', quota: { kind: 'knowledge_document_mb', limit: 0 } });
		expect(await test.db.prisma.knowledgeDocument.count({ where: { ownerId: dave.user.id } })).toBe(0);
		// Back to the tier's 5 MB: the same text is accepted.
		await admin.caller.admin.users.setOverrides({ id: dave.user.id, requestsPerMinute: null, requestsPerDay: null, tokensPerDay: null, monthlyCostCapUsd: null, maxKnowledgeDocuments: null, maxKnowledgeDocumentMb: null, allowedModels: [], note: null });
		await expect(dave.caller.knowledge.documents.create({ title: 'Pasted', format: 'text', content: 'some text' })).resolves.toMatchObject({ id: expect.any(String) });
		queued.splice(0);
	});

	it('a failed embedding call leaves the document in error with a reason, no chunks searchable, and the failure logged', async () => {
		await setActiveEmbedder('text-embedding-3-small');
		try {
			llm.scriptEmbeddings({ fault: 'http400' });
			const created = await alice.caller.knowledge.documents.create({ title: 'Doomed', format: 'text', content: 'The quokka sanctuary opens at dawn.' });
			await drain();
			const detail = await alice.caller.knowledge.documents.get({ id: created.id });
			expect(detail).toMatchObject({ status: 'error', chunkCount: 1, embeddedCount: 0, chunks: [] });
			expect(detail.error).toMatch(/^Embedding failed: /);
			const found = await alice.caller.knowledge.search({ query: 'quokka sanctuary', mode: 'text' });
			expect(found.results).toEqual([]);
			const logged = await test.db.prisma.apiUsageLog.findMany({ where: { userId: alice.user.id, endpoint: 'embedding' }, orderBy: { createdAt: 'desc' }, take: 1 });
			expect(logged[0]).toMatchObject({ status: 'error', model: 'text-embedding-3-small' });
		} finally {
			await setActiveEmbedder('use-lite');
		}
	});

	it('a restart mid-ingestion resumes at the first chunk without a vector; keyword search works before vectors exist', async () => {
		await setActiveEmbedder('text-embedding-3-small');
		try {
			const sections = Array.from({ length: 40 }, (_, index) => `## Section ${index}\n\nParagraph ${index} about lighthouse keeping and tide tables, item ${index}. The keeper writes the weather, the sea state and every passing ship into the log.`).join('\n\n');
			const created = await alice.caller.knowledge.documents.create({ title: 'Long log', format: 'markdown', content: `# Long log\n\n${sections}` });
			const [documentId] = queued.splice(0);
			if (!documentId) throw new Error('nothing queued');
			// The first process dies right after its first embedding call.
			const crash = new AbortController();
			wrapEmbedding = (inner) => ({
				name: inner.name,
				dimensions: inner.dimensions,
				embed: async (texts, signal) => {
					const vectors = await inner.embed(texts, signal);
					crash.abort();
					return vectors;
				}
			});
			await expect(ingestDocument(deps(), documentId, { lastAttempt: false, signal: crash.signal })).rejects.toThrow();
			const midway = await alice.caller.knowledge.documents.get({ id: created.id });
			expect(midway).toMatchObject({ status: 'embedding', chunkCount: 40, embeddedCount: 32 });
			// Searchable by keyword already, and search says vectors are incomplete.
			const early = await alice.caller.knowledge.search({ query: 'item 37 tide tables', mode: 'text' });
			expect(early.results[0]).toMatchObject({ documentId: created.id, headingPath: ['Long log', 'Section 37'] });
			expect((await alice.caller.knowledge.search({ query: 'tide tables', mode: 'hybrid' })).vectorsIncomplete).toBe(true);

			wrapEmbedding = null;
			const before = llm.requests.filter((request) => request.path === '/v1/embeddings').length;
			expect(await ingestDocument(deps(), documentId, { lastAttempt: false })).toBe('ready');
			const resumed = llm.requests.filter((request) => request.path === '/v1/embeddings').slice(before);
			expect(resumed.flatMap((request) => (request.body as { input: string[] }).input)).toHaveLength(8);
			expect(await alice.caller.knowledge.documents.get({ id: created.id })).toMatchObject({ status: 'ready', embeddedCount: 40 });
		} finally {
			await setActiveEmbedder('use-lite');
		}
	});
});

describe('visibility', () => {
	it('progress of a document the caller may not see is NOT_FOUND before any stream starts', async () => {
		const mine = await alice.caller.knowledge.documents.create({ title: 'Alice only', format: 'text', content: 'Private notes about otters.' });
		await expect(bob.caller.knowledge.documents.progress({ id: mine.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await expect(bob.caller.knowledge.documents.progress({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await drain();
	});

	let secret: string;
	beforeAll(async () => {
		secret = (await alice.caller.knowledge.documents.create({ title: 'Alice diary', format: 'text', content: 'My zanzibarquux plan: buy a red bicycle on Friday.' })).id;
		await admin.caller.knowledge.documents.create({ title: 'Bike rules', format: 'text', content: 'Bicycles are parked in the zanzibarquux shed.', visibility: 'public' });
		await drain();
	});

	it('private documents never reach another user: search (every mode), list, document view', async () => {
		for (const mode of ['text', 'vector', 'hybrid'] as const) {
			const forBob = await bob.caller.knowledge.search({ query: 'zanzibarquux plan red bicycle', mode });
			expect(forBob.results.map((result) => result.title)).not.toContain('Alice diary');
			expect(forBob.results.map((result) => result.title)).toContain('Bike rules');
			const forAlice = await alice.caller.knowledge.search({ query: 'zanzibarquux plan red bicycle', mode });
			expect(forAlice.results[0]?.title).toBe('Alice diary');
		}
		expect((await bob.caller.knowledge.documents.list()).map((doc) => doc.title)).not.toContain('Alice diary');
		await expect(bob.caller.knowledge.documents.get({ id: secret })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await expect(bob.caller.knowledge.documents.delete({ id: secret })).rejects.toMatchObject({ code: 'NOT_FOUND' });
		// BM25's statistics are the caller's own corpus: Bob's score doesn't count Alice's chunk.
		const text = await bob.caller.knowledge.search({ query: 'zanzibarquux', mode: 'text' });
		expect(text.results).toHaveLength(1);
	});

	it('search results carry ids, title, source, category, marked snippet and each part’s score', async () => {
		const found = await alice.caller.knowledge.search({ query: 'red bicycle', mode: 'hybrid' });
		const top = found.results[0];
		expect(top).toMatchObject({ title: 'Alice diary', documentId: secret, source: null, category: null });
		expect(top?.text?.rank).toBe(1);
		expect(top?.vector?.similarity).toBeGreaterThan(0);
		expect(top?.snippet.filter((part) => part.match).map((part) => part.text.toLowerCase())).toEqual(expect.arrayContaining(['red', 'bicycle']));
	});
});

describe('BM25 and vectors complement each other', () => {
	beforeAll(async () => {
		const docs = [
			['Error codes', 'Error QX7719 means the flux regulator overheated; let it cool for ten minutes.'],
			['Passwords', 'Forgot your password? Open the sign-in page and choose Forgot password; we email you a reset link.'],
			['Billing', 'Invoices are sent on the first day of each month to the billing address on file.'],
			['Shipping', 'Parcels leave the warehouse within two working days and are tracked online.'],
			['Holidays', 'The office is closed on public holidays; support answers emails the next working day.'],
			// Looks like the code to an embedder (similar tokens), but not to full-text search.
			['Part numbers', 'Replacement part QX7720 and QX7718 fit the older regulators; order them from the catalogue.']
		];
		for (const [title, content] of docs) await bob.caller.knowledge.documents.create({ title: title ?? '', format: 'text', content: content ?? '' });
		await drain();
	});

	it('BM25 finds an exact rare term that vector search misses', async () => {
		const text = await bob.caller.knowledge.search({ query: 'QX7719', mode: 'text' });
		expect(text.results[0]?.title).toBe('Error codes');
		const vector = await bob.caller.knowledge.search({ query: 'QX7719', mode: 'vector', limit: 1 });
		expect(vector.results[0]?.title).not.toBe('Error codes');
	});

	it('vector search finds a paraphrase BM25 misses', async () => {
		const question = 'I cannot remember my login credentials';
		const text = await bob.caller.knowledge.search({ query: question, mode: 'text' });
		expect(text.results.map((result) => result.title)).not.toContain('Passwords');
		const vector = await bob.caller.knowledge.search({ query: question, mode: 'vector', limit: 1 });
		expect(vector.results[0]?.title).toBe('Passwords');
	});
});

describe('re-embedding', () => {
	it('the admin list counts each embedder’s chunks; starting a re-embedding is admin only and audited', async () => {
		const created = await alice.caller.knowledge.documents.create({ title: 'Counted', format: 'text', content: 'Counting chunks for the admin page.' });
		await drain();
		const active = (await admin.caller.knowledge.embedders.list()).embedders.find((embedder) => embedder.state === 'active');
		expect(active?.chunksEmbedded).toBe(await test.db.prisma.knowledgeBaseEntry.count({ where: { embedder: active?.name } }));
		expect(active?.chunksEmbedded).toBeGreaterThan(0);
		await expect(alice.caller.knowledge.embedders.reembed({ name: 'hashed' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
		const target = active?.name === 'hashed' ? 'use-lite' : 'hashed';
		await admin.caller.knowledge.embedders.reembed({ name: target });
		expect((await admin.caller.knowledge.embedders.list()).reembedding).toMatchObject({ embedder: target, total: expect.any(Number), remaining: expect.any(Number) });
		expect(await test.db.prisma.adminAuditLog.findFirst({ where: { action: 'embedder.reembed', targetId: target }, select: { actorId: true, targetType: true } })).toEqual({ actorId: admin.user.id, targetType: 'embedder' });
		// Leave the embedders as they were for the next test.
		await setActiveEmbedder(active?.name ?? 'use-lite');
		await alice.caller.knowledge.documents.delete({ id: created.id });
	});

	it('an admin demoted before the action is refused and nothing is marked: the mark and its audit row are one transaction', async () => {
		const active = await test.db.prisma.knowledgeEmbedder.findFirst({ where: { state: 'active' } });
		const target = active?.name === 'hashed' ? 'use-lite' : 'hashed';
		const audits = () => test.db.prisma.adminAuditLog.count({ where: { action: 'embedder.reembed' } });
		const auditsBefore = await audits();
		const actor = { id: alice.user.id, email: 'alice@example.test', ip: null, userAgent: null, requestId: null };
		await expect(startReembedding(deps(), actor, target)).rejects.toMatchObject({ code: 'FORBIDDEN' });
		expect(await test.db.prisma.knowledgeEmbedder.count({ where: { state: 'building' } })).toBe(0);
		expect(await audits()).toBe(auditsBefore);
	});

	it('switches embedder without a search outage: the old vectors serve until the switch', async () => {
		const query = { query: 'lighthouse keeping tide tables', mode: 'vector' as const, limit: 3 };
		const before = await asUser(test.db, alice.user.id, async () => null).then(() => searchChunks(deps(), alice.user.id, query));
		expect(before.embedder).toBe('use-lite');
		expect(before.chunks.length).toBeGreaterThan(0);
		await test.db.prisma.$transaction((tx) => beginReembedding(tx, 'hashed'));
		let batches = 0;
		const outcome = await runReembedding(deps(), { embedder: 'hashed', requestedBy: admin.user.id }, {
			onBatch: async (progress) => {
				batches++;
				expect(progress.total).toBeGreaterThan(progress.remaining);
				const during = await searchChunks(deps(), alice.user.id, query);
				expect(during.embedder).toBe('use-lite');
				expect(during.chunks.length).toBe(before.chunks.length);
			}
		});
		expect(outcome).toBe('switched');
		expect(batches).toBeGreaterThan(1);
		const after = await searchChunks(deps(), alice.user.id, query);
		expect(after.embedder).toBe('hashed');
		expect(after.chunks.length).toBeGreaterThan(0);
		expect(await test.db.prisma.knowledgeBaseEntry.count({ where: { OR: [{ embedder: { not: 'hashed' } }, { embedder: null }] } })).toBe(0);
		const embedders = await admin.caller.knowledge.embedders.list();
		expect(embedders.embedders.find((embedder) => embedder.state === 'active')?.name).toBe('hashed');
		await expect(alice.caller.knowledge.embedders.list()).rejects.toMatchObject({ code: 'FORBIDDEN' });
	});
});

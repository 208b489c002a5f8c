/**
 * `npm run bench:kb` — knowledge base speed, side by side on both engines, in one run:
 *  1. ingestion of BEIR SciFact abstracts through the app's ingestion code (insert → chunk →
 *     embed with the offline embedder via the governed call): documents/s, chunks/s, time until
 *     keyword-searchable and until fully embedded. Targets for the whole corpus (5,183): ≤ 1 min
 *     and ≤ 6 min.
 *  2. at 10k and 100k synthetic clustered 1536-d chunks: HNSW vector search and hybrid search
 *     (the app's SQL functions from 033, under row level security) p50/p95 and recall@10 against
 *     exact search (the same functions with index scans off), and the speed ratio. Targets at 100k:
 *     recall@10 ≥ 0.95 with HNSW ≥ 100× faster than exact.
 *  3. chat time to first token with the knowledge base on vs off (offline embedder, 10k chunks),
 *     through the built server and the fake OpenAI-compatible upstream. Target: on ≤ off + 10 ms.
 *
 * Flags: --engines pglite,native   --docs N (SciFact abstracts; default 1000, `all` = 5183)
 *        --sizes 10000,100000   --queries N (default 50)   --quick (= --docs 300 --sizes 10000 --queries 20)
 *        --skip ingest,search,chat   --chat-embedders use-lite,hashed
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import superjson from 'superjson';
import { openDatabase, type Database } from '../src/lib/server/db/client';
import { migrate } from '../src/lib/server/db/migrations';
import { parseDatabaseUrl } from '../src/lib/server/db/database-url';
import { unfinishedDocumentIds } from '../src/lib/server/knowledge/documents.repo';
import { ingestPending } from '../src/lib/server/knowledge/ingestion';
import { embeddingConcurrency, seedUserGuide } from '../src/lib/server/knowledge/worker';
import { startFakeOpenAI, type FakeOpenAI } from '../tests/fakes/fake-openai-server';
import { databaseUrl, dropServerDatabase, withServerUrlDatabase } from '../tests/support/native-admin';
import { nativeDatabaseUrl } from '../tests/support/native-url';
import { signUpCookie, startBuiltServer } from './support/built-server';
import { benchEngines, type OpenedDatabase } from './support/engines';
import { corpusOwner, ingestCorpus, offlineServices, readCorpus } from './support/knowledge-corpus';
import { percentile } from './support/stats';
import { useLiteThreads } from '../src/lib/server/ai/use-lite-embedding';
import { BENCH_EMBEDDER, insertSyntheticChunks } from './support/synthetic-vectors';

const SCIFACT_SIZE = 5183;
const K = 10;

function flag(name: string): string | null {
	const index = process.argv.indexOf(`--${name}`);
	if (index < 0) return null;
	return process.argv[index + 1] ?? '';
}
const quick = process.argv.includes('--quick');
const engineNames = (flag('engines') ?? 'pglite,native').split(',');
const docsFlag = flag('docs') ?? (quick ? '300' : '1000');
const docLimit = docsFlag === 'all' ? SCIFACT_SIZE : Number(docsFlag);
const sizes = (flag('sizes') ?? (quick ? '10000' : '10000,100000')).split(',').map(Number);
const queryCount = Number(flag('queries') ?? (quick ? 20 : 50));
const skip = new Set((flag('skip') ?? '').split(','));

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const load = () => `load average ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`;

type EngineName = 'pglite' | 'native';
const LABEL: Record<EngineName, string> = { pglite: 'PGlite', native: 'native PG' };

async function openEngine(name: EngineName): Promise<OpenedDatabase | null> {
	const engines = await benchEngines();
	if (name === 'pglite') return engines.pglite({ migrated: true });
	return engines.native ? engines.native({ migrated: true }) : null;
}

// ── 1. Ingestion ────────────────────────────────────────────────────────────────────────────

interface IngestRow {
	engine: string;
	documents: number;
	chunks: number;
	chunkedSeconds: number;
	embeddedSeconds: number;
}

async function benchIngestion(): Promise<void> {
	console.log(`\n1. Ingestion: ${docLimit} SciFact abstracts through ingestDocument (offline embedder use-lite on ${useLiteThreads()} threads, ${embeddingConcurrency()} documents at a time as the worker runs)   ${load()}`);
	const docs = await readCorpus(docLimit);
	const rows: IngestRow[] = [];
	for (const name of engineNames as EngineName[]) {
		const opened = await openEngine(name);
		if (!opened) {
			console.log(`   ${LABEL[name]}: not reachable, skipped`);
			continue;
		}
		try {
			const owner = await corpusOwner(opened.db);
			const timing = await ingestCorpus(opened.db, offlineServices(), owner, docs, embeddingConcurrency());
			rows.push({ engine: LABEL[name], ...timing });
			console.log(`   ${LABEL[name]} done   ${load()}`);
		} finally {
			await opened.dispose();
		}
	}
	const scale = SCIFACT_SIZE / docLimit;
	console.log(`   ${'engine'.padEnd(10)} ${'docs'.padStart(5)} ${'chunks'.padStart(7)} ${'searchable'.padStart(11)} ${'embedded'.padStart(9)} ${'docs/s'.padStart(7)} ${'chunks/s'.padStart(9)}  ${'full corpus: searchable / embedded'}`);
	for (const row of rows) {
		const projected = docLimit >= SCIFACT_SIZE ? 'measured above' : `~${(row.chunkedSeconds * scale).toFixed(0)} s / ~${(row.embeddedSeconds * scale).toFixed(0)} s (projected ×${scale.toFixed(1)})`;
		console.log(
			`   ${row.engine.padEnd(10)} ${String(row.documents).padStart(5)} ${String(row.chunks).padStart(7)} ${`${row.chunkedSeconds.toFixed(1)} s`.padStart(11)} ${`${row.embeddedSeconds.toFixed(1)} s`.padStart(9)} ${(row.documents / row.embeddedSeconds).toFixed(1).padStart(7)} ${(row.chunks / row.embeddedSeconds).toFixed(1).padStart(9)}  ${projected}`
		);
	}
	console.log('   targets (whole corpus): keyword-searchable ≤ 60 s, fully embedded ≤ 360 s');
}

// ── 2. Vector and hybrid search ──────────────────────────────────────────────────────────────

interface BenchQuery {
	text: string;
	vector: string;
}

async function sampleQueries(db: Database, count: number): Promise<BenchQuery[]> {
	return db.withSession(async (session) => {
		const rows = await session.query<{ content: string; embedding: string }>(
			`select content, embedding::text as embedding from public.knowledge_base where embedder = $1 order by random() limit $2`,
			[BENCH_EMBEDDER, count]
		);
		// A query near a chunk but not on it: the chunk plus fresh noise; its text names the sub-topic.
		return rows.map((row) => {
			const values = (JSON.parse(row.embedding) as number[]).map((value) => value + 0.2 * (Math.random() * 2 - 1));
			// Its text: the sub-topic and the chunk's two rarest words.
			const [, subtopic = '', ...words] = row.content.split(' ');
			const rarest = words.sort((a, b) => Number(b.slice(1)) - Number(a.slice(1))).slice(0, 2);
			return { text: `${subtopic} ${rarest.join(' ')}`, vector: `[${values.map((value) => value.toFixed(5)).join(',')}]` };
		});
	});
}

interface SearchFigures {
	p50: number;
	p95: number;
	exactP50: number;
	exactP95: number;
	recall: number;
}

async function benchSearchAt(name: EngineName, size: number): Promise<{ vector: SearchFigures; hybrid: SearchFigures; constantLimit: SearchFigures; insert: string } | null> {
	const opened = await openEngine(name);
	if (!opened) return null;
	const { db } = opened;
	try {
		const owner = await corpusOwner(db);
		const timing = await insertSyntheticChunks(db, owner, { chunks: size, dimensions: 1536, embedder: BENCH_EMBEDDER });
		const queries = await sampleQueries(db, queryCount);
		return await db.withSession(async (session) => {
			// As the app runs searches: the authenticated role with row level security.
			await session.query(`select set_config('request.jwt.claim.sub', $1, false), set_config('role', 'authenticated', false)`, [owner]);
			const vectorSql = `select id::text as id from public.knowledge_vector_search($1::public.vector, $2, ${K}, null)`;
			const hybridSql = `select id::text as id from public.knowledge_hybrid_search($3, $1::public.vector, $2, ${K}, null, 1, 1, 60, 50)`;
			// knowledge_vector_search's body (its full-width branch) with its LIMIT a constant: inside the function the limit is
			// a parameter, which the planner can't see, and it picks a sequential scan over the index.
			const constantLimitSql = `select kb.id::text as id from public.knowledge_base as kb where kb.embedding_dimensions is distinct from 512 and kb.embedder = $2 order by kb.embedding operator(public.<=>) $1::public.vector limit ${K}`;
			const run = async (sql: string, query: BenchQuery) => {
				const started = performance.now();
				const rows = await session.query<{ id: string }>(sql, sql === hybridSql ? [query.vector, BENCH_EMBEDDER, query.text] : [query.vector, BENCH_EMBEDDER]);
				return { ms: performance.now() - started, ids: rows.map((row) => row.id) };
			};
			const measure = async (sql: string): Promise<SearchFigures> => {
				for (const query of queries.slice(0, 5)) await run(sql, query); // warm-up
				const approximate: { ms: number; ids: string[] }[] = [];
				for (const query of queries) approximate.push(await run(sql, query));
				// Exact: the same function, the planner forbidden index scans (HNSW is one; BM25's GIN is a bitmap scan and stays).
				await session.query('set enable_indexscan = off');
				const exact: { ms: number; ids: string[] }[] = [];
				try {
					for (const query of queries.slice(0, 2)) await run(sql, query);
					for (const query of queries) exact.push(await run(sql, query));
				} finally {
					await session.query('reset enable_indexscan');
				}
				let found = 0;
				approximate.forEach((result, index) => {
					const truth = new Set(exact[index]?.ids ?? []);
					found += result.ids.filter((id) => truth.has(id)).length / Math.max(1, truth.size);
				});
				const times = approximate.map((result) => result.ms);
				const exactTimes = exact.map((result) => result.ms);
				return { p50: percentile(times, 50), p95: percentile(times, 95), exactP50: percentile(exactTimes, 50), exactP95: percentile(exactTimes, 95), recall: found / queries.length };
			};
			try {
				const vector = await measure(vectorSql);
				const hybrid = await measure(hybridSql);
				await session.query(`select set_config('hnsw.ef_search', '100', false), set_config('hnsw.iterative_scan', 'relaxed_order', false)`);
				const constantLimit = await measure(constantLimitSql);
				return { vector, hybrid, constantLimit, insert: `load ${timing.insertSeconds.toFixed(0)} s, HNSW build ${timing.indexSeconds.toFixed(0)} s` };
			} finally {
				await session.query('reset role');
			}
		});
	} finally {
		await opened.dispose();
	}
}

async function benchSearch(): Promise<void> {
	console.log(`\n2. Search over synthetic clustered 1536-d chunks, ${queryCount} queries, top ${K}; exact = same SQL function with index scans off   ${load()}`);
	console.log(`   knowledge_vector_search (HNSW m=16, ef_construction=64, ef_search=100, iterative scan) and knowledge_hybrid_search (BM25 + vector, RRF, 50 candidates each)`);
	const lines: string[] = [];
	for (const size of sizes) {
		for (const name of engineNames as EngineName[]) {
			const result = await benchSearchAt(name, size);
			if (!result) {
				lines.push(`   ${LABEL[name]}: not reachable, skipped`);
				continue;
			}
			const row = (kind: string, figures: SearchFigures) =>
				`   ${`${size / 1000}k`.padEnd(5)} ${LABEL[name].padEnd(10)} ${kind.padEnd(7)} ${ms(figures.p50).padStart(9)} ${ms(figures.p95).padStart(9)} ${ms(figures.exactP50).padStart(10)} ${ms(figures.exactP95).padStart(10)} ${`${(figures.exactP50 / figures.p50).toFixed(0)}×`.padStart(7)} ${figures.recall.toFixed(3).padStart(9)}`;
			lines.push(row('vector', result.vector), row('hybrid', result.hybrid), row('limit10', result.constantLimit), `         (${result.insert})`);
			console.log(`   ${size / 1000}k on ${LABEL[name]} done   ${load()}`);
		}
	}
	console.log(`   ${'size'.padEnd(5)} ${'engine'.padEnd(10)} ${'search'.padEnd(7)} ${'p50'.padStart(9)} ${'p95'.padStart(9)} ${'exact p50'.padStart(10)} ${'exact p95'.padStart(10)} ${'speedup'.padStart(7)} ${'recall@10'.padStart(9)}`);
	for (const line of lines) console.log(line);
	console.log('   vector/hybrid = the app\'s functions; limit10 = knowledge_vector_search\'s query with a constant LIMIT (what the index can do)');
	console.log('   targets at 100k: recall@10 ≥ 0.95 and HNSW ≥ 100× faster than exact (speedup = exact p50 / HNSW p50)');
}

// ── 3. Chat time to first token, knowledge base on vs off ───────────────────────────────────

const CHAT_CHUNKS = 10_000;
const CHAT_RUNS = 100;
const UPSTREAM_TTFT_MS = 50;

interface AppClient {
	base: string;
	cookie: string;
}

async function trpcMutation<T>(app: AppClient, procedure: string, input: unknown): Promise<T> {
	const response = await fetch(`${app.base}/api/trpc/${procedure}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', cookie: app.cookie },
		body: JSON.stringify(superjson.serialize(input))
	});
	const body = (await response.json()) as { result?: { data: unknown }; error?: { json: { message: string } } };
	if (!response.ok || !body.result) throw new Error(`${procedure} failed (${response.status}): ${body.error?.json.message ?? 'no body'}`);
	return superjson.deserialize<T>(body.result.data as Parameters<typeof superjson.deserialize>[0]);
}

interface ChatTiming {
	/** chat.send until the first token arrives over chat.stream. */
	firstToken: number;
	/** chat.send until the answer's request reached the upstream (the app's own time before it). */
	toUpstream: number;
}

/** The answer's request among the upstream's requests since `from` (the title request is the other one). */
function answerRequestAt(llm: FakeOpenAI, from: number): number {
	const request = llm.requests.slice(from).find((entry) => entry.path === '/v1/chat/completions' && JSON.stringify(entry.body).includes('You are AirAssist'));
	if (!request) throw new Error('the answer never reached the upstream');
	return request.receivedAt.getTime();
}

/** chat.send then chat.stream over SSE, as the chat page does; resolves at the first token. */
async function timeChat(app: AppClient, llm: FakeOpenAI, content: string, knowledge: boolean): Promise<ChatTiming> {
	const from = llm.requests.length;
	const sentAt = Date.now();
	const firstToken = await timeToFirstToken(app, content, knowledge);
	return { firstToken, toUpstream: answerRequestAt(llm, from) - sentAt };
}

async function timeToFirstToken(app: AppClient, content: string, knowledge: boolean): Promise<number> {
	const started = performance.now();
	const sent = await trpcMutation<{ assistantMessage: { id: string } }>(app, 'chat.send', { sessionId: null, content, knowledge });
	const input = encodeURIComponent(JSON.stringify(superjson.serialize({ messageId: sent.assistantMessage.id })));
	const response = await fetch(`${app.base}/api/trpc/chat.stream?input=${input}`, { headers: { cookie: app.cookie, accept: 'text/event-stream' } });
	if (!response.body) throw new Error('no stream');
	const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
	let buffer = '';
	for (;;) {
		const { value, done } = await reader.read();
		if (done) throw new Error('the stream ended before a token');
		buffer += value;
		let newline: number;
		while ((newline = buffer.indexOf('\n')) >= 0) {
			const line = buffer.slice(0, newline).trim();
			buffer = buffer.slice(newline + 1);
			if (!line.startsWith('data:')) continue;
			const event = superjson.deserialize<{ type?: string; content?: string; message?: { status: string } }>(JSON.parse(line.slice(5)) as Parameters<typeof superjson.deserialize>[0]);
			if (event?.type === 'delta' || (event?.type === 'snapshot' && event.content)) {
				const elapsed = performance.now() - started;
				await reader.cancel();
				return elapsed;
			}
			if (event?.type === 'done') throw new Error(`answer ended ${event.message?.status ?? '?'} without a token`);
		}
	}
}

/** The offline embedders the chat part runs with: USE-lite (the default), and `hashed`, which costs almost nothing to run, so its row is the pipeline's own cost. */
const CHAT_EMBEDDERS = (flag('chat-embedders') ?? 'use-lite,hashed').split(',');
const EMBEDDER_DIMENSIONS: Record<string, number> = { 'use-lite': 512, hashed: 1536 };

/** The database the server will run on: migrated, user guide ingested, 10k chunks of `embedder`, which is made the active one. */
async function prepareChatDatabase(url: string, embedder: string): Promise<void> {
	const db = await openDatabase(parseDatabaseUrl(url));
	try {
		await migrate(db);
		await seedUserGuide(db);
		await ingestPending({ db, services: offlineServices() }, await unfinishedDocumentIds(db.prisma));
		const owner = await corpusOwner(db);
		// Vectors (512-d zero-padded for USE-lite) labelled with the active embedder, so the query is embedded and compared for real.
		await insertSyntheticChunks(db, owner, { chunks: CHAT_CHUNKS, dimensions: EMBEDDER_DIMENSIONS[embedder] ?? 1536, embedder });
		await db.prisma.$transaction([
			db.prisma.knowledgeEmbedder.updateMany({ where: { state: { in: ['active', 'building'] } }, data: { state: 'inactive' } }),
			db.prisma.knowledgeEmbedder.update({ where: { name: embedder }, data: { state: 'active' } })
		]);
	} finally {
		await db.close();
	}
}

async function unlimited(url: string): Promise<void> {
	const db = await openDatabase(parseDatabaseUrl(url));
	try {
		await db.prisma.profile.updateMany({ data: { tier: 'enterprise' } });
	} finally {
		await db.close();
	}
}

interface ChatRuns {
	off: ChatTiming[];
	on: ChatTiming[];
}

async function chatOn(name: EngineName, url: string, embedder: string): Promise<ChatRuns> {
	await prepareChatDatabase(url, embedder);
	const llm = await startFakeOpenAI({ defaultBehaviour: { ttftMs: UPSTREAM_TTFT_MS, tokenDelayMs: 2, reply: 'An answer citing [1].' } });
	const env = { DATABASE_URL: url, OPENAI_BASE_URL: llm.url, OPENAI_API_KEY: 'bench', AUTH_SIGNUPS_PER_IP_PER_HOUR: '1000' };
	try {
		const first = await startBuiltServer(env);
		const cookie = await signUpCookie(first.base);
		await first.stop();
		await unlimited(url);
		const server = await startBuiltServer(env);
		try {
			const app = { base: server.base, cookie };
			const settings = await fetch(`${app.base}/api/trpc/settings.get`, { headers: { cookie } }).then((response) => response.json() as Promise<{ result: { data: { json: { settings: Record<string, unknown> } } } }>);
			await trpcMutation(app, 'settings.update', { ...settings.result.data.json.settings, defaultModel: 'gpt-4o-mini' });
			// Warm-up: JIT, pools, and the offline embedder's model (loaded on first use).
			for (let i = 0; i < 8; i++) {
				await timeToFirstToken(app, `warm up ${i}`, false);
				await timeToFirstToken(app, `how do I search topic${i} subtopic${i * 3}?`, true);
			}
			const off: ChatTiming[] = [];
			const on: ChatTiming[] = [];
			// Interleaved, so load from other processes falls on both sides alike.
			for (let i = 0; i < CHAT_RUNS; i++) {
				const question = `How do I export a chat about topic${i % 5} subtopic${(i * 7) % 200} and its quota usage?`;
				off.push(await timeChat(app, llm, question, false));
				on.push(await timeChat(app, llm, question, true));
			}
			console.log(`   ${LABEL[name]}, ${embedder} done   ${load()}`);
			printChatRow(name, embedder, { off, on });
			return { off, on };
		} finally {
			await server.stop();
		}
	} finally {
		await llm.close();
	}
}

async function benchChat(): Promise<void> {
	console.log(`\n3. Chat time to first token, knowledge base off vs on (${CHAT_EMBEDDERS.join(' and ')}, ${CHAT_CHUNKS} chunks + the user guide), ${CHAT_RUNS} interleaved new chats each, upstream TTFT ${UPSTREAM_TTFT_MS} ms   ${load()}`);
	const results: ({ name: EngineName; embedder: string } & ChatRuns)[] = [];
	for (const name of engineNames as EngineName[]) {
		for (const embedder of CHAT_EMBEDDERS) {
			if (name === 'pglite') {
				const dir = await mkdtemp(path.join(os.tmpdir(), 'airassist-bench-kb-'));
				try {
					results.push({ name, embedder, ...(await chatOn(name, `pglite:${path.join(dir, 'db')}`, embedder)) });
				} finally {
					await rm(dir, { recursive: true, force: true });
				}
				continue;
			}
			const serverUrl = await nativeDatabaseUrl();
			if (!serverUrl) {
				console.log('   native PG: not reachable, skipped');
				break;
			}
			const database = `airassist_bench_kb_${process.pid}`;
			await withServerUrlDatabase(serverUrl, (admin) => admin.query(`create database ${database}`));
			try {
				results.push({ name, embedder, ...(await chatOn(name, databaseUrl(serverUrl, database), embedder)) });
			} finally {
				await dropServerDatabase(serverUrl, database);
			}
		}
	}
	console.log(`   ${'engine'.padEnd(10)} ${'embedder'.padEnd(9)} ${'off p50'.padStart(9)} ${'on p50'.padStart(9)} ${'added p50'.padStart(10)} ${'off p95'.padStart(9)} ${'on p95'.padStart(9)} ${'added p95'.padStart(10)}   before the upstream request: off / on / added (p50)`);
	for (const { name, embedder, off, on } of results) printChatRow(name, embedder, { off, on });
	console.log('   target: knowledge base on ≤ 10 ms above off (at the median), with the offline embedder (USE-lite, the default)');
}

function printChatRow(name: EngineName, embedder: string, runs: ChatRuns): void {
	const first = (timings: ChatTiming[]) => timings.map((timing) => timing.firstToken);
	const upstream = (timings: ChatTiming[]) => timings.map((timing) => timing.toUpstream);
	const [offP50, onP50, offP95, onP95] = [percentile(first(runs.off), 50), percentile(first(runs.on), 50), percentile(first(runs.off), 95), percentile(first(runs.on), 95)];
	const [offUp, onUp] = [percentile(upstream(runs.off), 50), percentile(upstream(runs.on), 50)];
	console.log(
		`   ${LABEL[name].padEnd(10)} ${embedder.padEnd(9)} ${ms(offP50).padStart(9)} ${ms(onP50).padStart(9)} ${ms(onP50 - offP50).padStart(10)} ${ms(offP95).padStart(9)} ${ms(onP95).padStart(9)} ${ms(onP95 - offP95).padStart(10)}   ${ms(offUp)} / ${ms(onUp)} / ${ms(onUp - offUp)}`
	);
}

async function main(): Promise<void> {
	const started = performance.now();
	console.log(`AirAssist knowledge base benchmark — node ${process.version}, ${os.cpus().length} cores, ${load()}`);
	console.log(`engines ${engineNames.join(', ')}; SciFact docs ${docLimit}; sizes ${sizes.join(', ')}; ${queryCount} queries${quick ? ' (--quick)' : ''}`);
	if (!skip.has('ingest')) await benchIngestion();
	if (!skip.has('search')) await benchSearch();
	if (!skip.has('chat')) await benchChat();
	console.log(`\nTotal ${((performance.now() - started) / 1000).toFixed(0)} s, ${load()}`);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	}
);

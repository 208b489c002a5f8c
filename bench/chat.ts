/**
 * `npm run bench:chat` — streaming chat through AirAssist against the fake OpenAI-compatible
 * server, measured side by side in one run:
 *  1. time to first token through AirAssist (send + SSE stream) vs calling the fake directly:
 *     median, p95 and the added milliseconds (knowledge base off);
 *  2. tokens per second passed through vs read directly;
 *  3. 100 concurrent streaming chats: errors, p95 added latency, peak RSS of the server.
 *  4. what the governed path (the quota reservation, committed before the upstream request starts)
 *     adds to time to first token, timed step by step in-process against the same database.
 * Targets: added TTFT ≤ 15 ms at the median; 0 errors at 100 concurrent streams; governance ≤ 2 ms.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import superjson from 'superjson';
import { openDatabase } from '../src/lib/server/db/client';
import { parseDatabaseUrl } from '../src/lib/server/db/database-url';
import { startFakeOpenAI } from '../tests/fakes/fake-openai-server';
import { databaseUrl, dropServerDatabase, withServerUrlDatabase } from '../tests/support/native-admin';
import { nativeDatabaseUrl } from '../tests/support/native-url';
import { signUpCookie, startBuiltServer } from './support/built-server';
import { benchGovernance } from './chat-governance';

const TTFT_RUNS = 60;
const CONCURRENT = 100;
const UPSTREAM_TTFT_MS = 50;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.95))] ?? 0;
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** Reads an SSE response, calling `onData` with each parsed `data:` payload; resolves at the end. */
async function readSse(response: Response, onData: (data: unknown, event: string | null) => boolean | void): Promise<void> {
	if (!response.body) throw new Error('no body');
	const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
	let buffer = '';
	let event: string | null = null;
	for (;;) {
		const { value, done } = await reader.read();
		if (done) return;
		buffer += value;
		let newline: number;
		while ((newline = buffer.indexOf('\n')) >= 0) {
			const line = buffer.slice(0, newline).replace(/\r$/, '');
			buffer = buffer.slice(newline + 1);
			if (line.startsWith('event:')) event = line.slice(6).trim();
			else if (line.startsWith('data:')) {
				const payload = line.slice(5).trim();
				if (payload && payload !== '[DONE]') {
					if (onData(JSON.parse(payload), event) === true) {
						await reader.cancel();
						return;
					}
				}
			} else if (line === '') event = null;
		}
	}
}

/**
 * Time to the first streamed token calling the fake directly with the same openai SDK the app
 * uses, so "added by AirAssist" is AirAssist's own work, not the SDK's.
 */
async function directTtft(client: OpenAI): Promise<{ ttft: number; tokens: number; totalMs: number }> {
	const started = performance.now();
	const stream = await client.chat.completions.create({
		model: 'gpt-4o-mini',
		stream: true,
		stream_options: { include_usage: true },
		messages: [{ role: 'user', content: 'bench' }]
	});
	let ttft = 0;
	let tokens = 0;
	for await (const chunk of stream) {
		if (chunk.choices[0]?.delta.content) {
			if (tokens === 0) ttft = performance.now() - started;
			tokens++;
		}
	}
	return { ttft, tokens, totalMs: performance.now() - started };
}

interface AppClient {
	base: string;
	cookie: string;
}

async function trpcMutation<T>(app: AppClient, path: string, input: unknown): Promise<T> {
	const response = await fetch(`${app.base}/api/trpc/${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', cookie: app.cookie },
		body: JSON.stringify(superjson.serialize(input))
	});
	const body = (await response.json()) as { result?: { data: { json: unknown; meta?: never } }; error?: { json: { message: string } } };
	if (!response.ok || !body.result) throw new Error(`${path} failed (${response.status}): ${body.error?.json.message ?? 'no body'}`);
	return superjson.deserialize<T>(body.result.data as Parameters<typeof superjson.deserialize>[0]);
}

/** Send a message and stream its answer through AirAssist, as the chat page does. */
async function throughApp(app: AppClient, content: string, sessionId: string | null): Promise<{ ttft: number; tokens: number; totalMs: number; sessionId: string; status: string }> {
	const started = performance.now();
	const sent = await trpcMutation<{ sessionId: string; assistantMessage: { id: string } }>(app, 'chat.send', { sessionId, content });
	const input = encodeURIComponent(JSON.stringify(superjson.serialize({ messageId: sent.assistantMessage.id })));
	const response = await fetch(`${app.base}/api/trpc/chat.stream?input=${input}`, { headers: { cookie: app.cookie, accept: 'text/event-stream' } });
	let ttft = 0;
	let tokens = 0;
	let status = 'unknown';
	await readSse(response, (data) => {
		const event = superjson.deserialize<{ type: string; text?: string; content?: string; message?: { status: string } }>(data as Parameters<typeof superjson.deserialize>[0]);
		if (event?.type === 'snapshot' && event.content) {
			ttft ||= performance.now() - started;
			tokens++;
		}
		if (event?.type === 'delta') {
			ttft ||= performance.now() - started;
			tokens++;
		}
		if (event?.type === 'done') {
			status = event.message?.status ?? 'unknown';
			return true;
		}
	});
	return { ttft, tokens, totalMs: performance.now() - started, sessionId: sent.sessionId, status };
}

function peakRssMb(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
	return kb / 1024;
}

async function main(): Promise<void> {
	console.log(`AirAssist chat benchmark — node ${process.version}, ${os.cpus().length} cores`);
	const dir = await mkdtemp(path.join(os.tmpdir(), 'airassist-bench-chat-'));
	try {
		await runOn('embedded PGlite', `pglite:${path.join(dir, 'db')}`);
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
	const serverUrl = await nativeDatabaseUrl();
	if (!serverUrl) {
		console.log('\n(native PostgreSQL not reachable: skipped; see scripts/ci/setup-native-postgres.sh)');
		await benchGovernance();
		return;
	}
	const name = `airassist_bench_chat_${process.pid}`;
	await withServerUrlDatabase(serverUrl, (admin) => admin.query(`create database ${name}`));
	try {
		await runOn('native PostgreSQL', databaseUrl(serverUrl, name));
	} finally {
		await dropServerDatabase(serverUrl, name);
	}
	await benchGovernance();
}

/**
 * The benchmark sends hundreds of messages a minute, far past the free tier a new account gets:
 * sign up, stop the server, move the account to the unlimited tier in the database, start again.
 * (The embedded database belongs to one process at a time.)
 */
async function unlimitedAccount(env: Record<string, string>): Promise<string> {
	const first = await startBuiltServer(env);
	const cookie = await signUpCookie(first.base);
	await first.stop();
	const target = parseDatabaseUrl(env.DATABASE_URL ?? '');
	const db = await openDatabase(target);
	try {
		await db.prisma.profile.updateMany({ data: { tier: 'enterprise' } });
	} finally {
		await db.close();
	}
	return cookie;
}

async function runOn(engine: string, databaseUrlValue: string): Promise<void> {
	console.log(`\n=== ${engine} ===`);
	const llm = await startFakeOpenAI({ defaultBehaviour: { ttftMs: UPSTREAM_TTFT_MS, tokenDelayMs: 2, reply: Array.from({ length: 40 }, (_, i) => `token${i}`).join(' ') } });
	const env = { DATABASE_URL: databaseUrlValue, OPENAI_BASE_URL: llm.url, OPENAI_API_KEY: 'bench', AUTH_SIGNUPS_PER_IP_PER_HOUR: '1000' };
	const cookie = await unlimitedAccount(env);
	const server = await startBuiltServer(env);
	const base = server.base;
	const sdk = new OpenAI({ apiKey: 'bench', baseURL: llm.url, maxRetries: 0 });
	try {
		const app: AppClient = { base, cookie };
		// Knowledge base off, as the target says.
		const settings = await fetch(`${base}/api/trpc/settings.get`, { headers: { cookie } }).then((response) => response.json() as Promise<{ result: { data: { json: { settings: Record<string, unknown> } } } }>);
		await trpcMutation(app, 'settings.update', { ...settings.result.data.json.settings, useKnowledgeBase: false, defaultModel: 'gpt-4o-mini' });

		// Warm up both paths (JIT, connection pools, the tokenizer).
		let warm = await throughApp(app, 'warm up', null);
		for (let i = 0; i < 10; i++) {
			await directTtft(sdk);
			warm = await throughApp(app, `warm ${i}`, warm.sessionId);
		}

		const direct: number[] = [];
		const viaApp: number[] = [];
		let sessionId: string | null = null;
		for (let i = 0; i < TTFT_RUNS; i++) {
			direct.push((await directTtft(sdk)).ttft);
			// A fresh chat every 10 messages keeps the history (and prompt) small, as in real use.
			const result = await throughApp(app, `question ${i}`, i % 10 === 0 ? null : sessionId);
			sessionId = result.sessionId;
			viaApp.push(result.ttft);
		}
		console.log(`\n1. Time to first token, ${TTFT_RUNS} sequential requests each (upstream TTFT ${UPSTREAM_TTFT_MS} ms)`);
		console.log(`   fake upstream directly:  median ${ms(median(direct))}, p95 ${ms(p95(direct))}`);
		console.log(`   through AirAssist:       median ${ms(median(viaApp))}, p95 ${ms(p95(viaApp))}  (chat.send + chat.stream over SSE)`);
		console.log(`   added by AirAssist:      median ${ms(median(viaApp) - median(direct))}, p95 ${ms(p95(viaApp) - p95(direct))}   target ≤ 15 ms at the median`);

		llm.reset();
		const longReply = Array.from({ length: 2000 }, (_, i) => `w${i}`).join(' ');
		const throughputScript = { ttftMs: 0, tokenDelayMs: 0, reply: longReply };
		llm.script(throughputScript);
		const directLong = await directTtft(sdk);
		llm.script(throughputScript);
		const appLong = await throughApp(app, 'a long answer please', null);
		console.log('\n2. Throughput of one long answer (2000 tokens, no upstream delay)');
		console.log(`   directly:            ${(directLong.tokens / (directLong.totalMs / 1000)).toFixed(0)} tokens/s  (${ms(directLong.totalMs)})`);
		console.log(`   through AirAssist:   ${(2000 / (appLong.totalMs / 1000)).toFixed(0)} tokens/s  (${ms(appLong.totalMs)} including chat.send; ${appLong.tokens} SSE events)`);

		llm.reset();
		const rssBefore = peakRssMb(server.process.pid ?? 0);
		const started = performance.now();
		const results = await Promise.allSettled(Array.from({ length: CONCURRENT }, (_, i) => throughApp(app, `concurrent ${i}`, null)));
		const wall = performance.now() - started;
		const ok = results.flatMap((result) => (result.status === 'fulfilled' && result.value.status === 'complete' ? [result.value] : []));
		const failures = results.length - ok.length;
		const firstError = results.find((result) => result.status === 'rejected');
		const added = ok.map((result) => result.ttft - UPSTREAM_TTFT_MS);
		console.log(`\n3. ${CONCURRENT} concurrent streaming chats (each: new chat, send, stream 40 tokens to the end)`);
		console.log(`   errors: ${failures}${firstError && firstError.status === 'rejected' ? ` (first: ${String(firstError.reason)})` : ''}   target 0`);
		console.log(`   added time to first token: median ${ms(median(added))}, p95 ${ms(p95(added))}   wall time ${ms(wall)}`);
		console.log(`   server peak RSS: ${peakRssMb(server.process.pid ?? 0).toFixed(0)} MB (before the burst: ${rssBefore.toFixed(0)} MB)`);
	} finally {
		await server.stop();
		await llm.close();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});

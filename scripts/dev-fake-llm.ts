/**
 * Starts the fake OpenAI-compatible server for trying the app by hand without a key or a model:
 * it echoes the last message back, streamed at a readable pace.
 *
 *   npm run dev:fake-llm            (FAKE_LLM_PORT=11435, FAKE_LLM_TOKEN_DELAY_MS=30 by default;
 *                                    FAKE_LLM_CONTROL_PORT=n adds a loopback endpoint to script faults)
 *   OPENAI_BASE_URL=http://127.0.0.1:11435/v1 npm run dev
 */
import { createServer } from 'node:http';
import { z } from 'zod';
import { startFakeOpenAI } from '../tests/fakes/fake-openai-server';

const port = numberFromEnv('FAKE_LLM_PORT', 11435);
const tokenDelayMs = numberFromEnv('FAKE_LLM_TOKEN_DELAY_MS', 30);
const controlPort = numberFromEnv('FAKE_LLM_CONTROL_PORT', 0);

const server = await startFakeOpenAI({ port, defaultBehaviour: { ttftMs: 300, tokenDelayMs } });

/** Faults a browser test can queue for the next chat request (the e2e tests have no handle on this process). */
const scriptedFault = z.discriminatedUnion('fault', [
	z.object({ fault: z.literal('http400'), message: z.string().max(500).optional() }),
	z.object({ fault: z.literal('http500'), message: z.string().max(500).optional() }),
	z.object({ fault: z.literal('dropMidStream'), afterTokens: z.number().int().min(0) })
]);

/**
 * With FAKE_LLM_CONTROL_PORT set, `POST http://127.0.0.1:<port>/script` with a JSON fault queues it
 * for the next chat completion. Loopback only, and off unless asked for.
 */
const control =
	controlPort === 0
		? null
		: createServer((request, response) => {
				const chunks: Buffer[] = [];
				request.on('data', (chunk: Buffer) => chunks.push(chunk));
				request.on('end', () => {
					let body: unknown = null;
					try {
						body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
					} catch {
						// answered as a bad request below
					}
					const parsed = scriptedFault.safeParse(body);
					if (request.method !== 'POST' || request.url !== '/script' || !parsed.success) {
						response.writeHead(400, { 'content-type': 'text/plain' }).end('POST /script with {"fault": "http400" | "http500" | "dropMidStream", …}\n');
						return;
					}
					server.script(parsed.data);
					response.writeHead(204).end();
				});
			}).listen(controlPort, '127.0.0.1');

console.log(`Fake OpenAI-compatible server listening on ${server.url}`);
console.log('Point AirAssist at it with:');
console.log(`  OPENAI_BASE_URL=${server.url} npm run dev`);
console.log(`It answers "Echo: <your message>" at ${tokenDelayMs} ms per token and embeds text as hashed bag-of-words vectors.`);
console.log('Press Ctrl-C to stop.');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		control?.close();
		void server.close().then(() => process.exit(0));
	});
}

function numberFromEnv(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < 0) {
		console.error(`${name} must be a whole number, got '${raw}'`);
		process.exit(1);
	}
	return value;
}

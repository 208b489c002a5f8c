/**
 * Starts the fake OpenAI-compatible server for trying the app by hand without a key or a model:
 * it echoes the last message back, streamed at a readable pace.
 *
 *   npm run dev:fake-llm            (FAKE_LLM_PORT=11435, FAKE_LLM_TOKEN_DELAY_MS=30 by default)
 *   OPENAI_BASE_URL=http://127.0.0.1:11435/v1 npm run dev
 */
import { startFakeOpenAI } from '../tests/fakes/fake-openai-server';

const port = numberFromEnv('FAKE_LLM_PORT', 11435);
const tokenDelayMs = numberFromEnv('FAKE_LLM_TOKEN_DELAY_MS', 30);

const server = await startFakeOpenAI({ port, defaultBehaviour: { ttftMs: 300, tokenDelayMs } });

console.log(`Fake OpenAI-compatible server listening on ${server.url}`);
console.log('Point AirAssist at it with:');
console.log(`  OPENAI_BASE_URL=${server.url} npm run dev`);
console.log(`It answers "Echo: <your message>" at ${tokenDelayMs} ms per token and embeds text as hashed bag-of-words vectors.`);
console.log('Press Ctrl-C to stop.');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
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

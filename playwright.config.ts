import { defineConfig, devices } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';
import { ADMIN_PORT, ADMIN_SERVER_URL, BUILT_PORT, BUILT_SERVER_URL, DEV_PORT, DEV_SERVER_URL, FAKE_LLM_CONTROL_PORT, FAKE_LLM_PORT, FAKE_LLM_URL, FIRST_RUN_PORT } from './tests/e2e/servers.ts';

/**
 * A fresh checkout's directory for the first-run server: the build, the migrations and an empty
 * ./data, so it runs on the default embedded database without touching this checkout's ./data.
 */
const FIRST_RUN_DIR = path.join(os.tmpdir(), `airassist-e2e-first-run-${FIRST_RUN_PORT}`);

const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

export default defineConfig({
	testDir: 'tests/e2e',
	fullyParallel: false,
	workers: 1,
	forbidOnly: !!process.env.CI,
	retries: 0,
	reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
	timeout: 30_000,
	use: {
		baseURL: BUILT_SERVER_URL,
		trace: 'retain-on-failure',
		screenshot: 'only-on-failure'
	},
	projects: [
		// Runs first: signs up the e2e server's first account, its administrator (tests/e2e/support/admin-account.ts).
		{ name: 'setup', testMatch: /.*\.setup\.ts/, use: { launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS } } },
		{
			name: 'chromium',
			dependencies: ['setup'],
			use: {
				...devices['Desktop Chrome'],
				launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS }
			}
		}
	],
	webServer: [
		{
			// The production build, exactly as `npm start` runs it, on a throwaway in-memory database.
			command: 'npm run build && node build/index.js',
			url: `${BUILT_SERVER_URL}/healthz`,
			// Chat goes through the real openai SDK to the fake model server below.
			env: {
				PORT: String(BUILT_PORT),
				HOST: '127.0.0.1',
				DATABASE_URL: 'pglite:memory',
				LOG_LEVEL: 'warn',
				ORIGIN: BUILT_SERVER_URL,
				AUTH_SIGNUPS_PER_IP_PER_HOUR: '1000',
				OPENAI_BASE_URL: FAKE_LLM_URL,
				OPENAI_API_KEY: 'e2e-test-key'
			},
			reuseExistingServer: false,
			timeout: 120_000
		},
		{
			// The same build on a database of its own, so tests/e2e/admin.spec.ts can sign up its first
			// account (which becomes the administrator) whatever the other tests did first.
			command: 'node build/index.js',
			url: `${ADMIN_SERVER_URL}/healthz`,
			env: {
				PORT: String(ADMIN_PORT),
				HOST: '127.0.0.1',
				DATABASE_URL: 'pglite:memory',
				LOG_LEVEL: 'warn',
				ORIGIN: ADMIN_SERVER_URL,
				AUTH_SIGNUPS_PER_IP_PER_HOUR: '1000',
				OPENAI_BASE_URL: FAKE_LLM_URL,
				OPENAI_API_KEY: 'e2e-test-key',
				MODEL_KEYS_SECRET: 'e2e0'.repeat(16)
			},
			reuseExistingServer: false,
			timeout: 120_000
		},
		{
			// The README's start: `npm start` is the build above, then this with only PORT set: no ORIGIN,
			// no HOST, the default database. tests/e2e/first-run.spec.ts uses it from a browser.
			command: `rm -rf ${FIRST_RUN_DIR} && mkdir -p ${FIRST_RUN_DIR} && ln -s "$PWD/build" "$PWD/migrations" "$PWD/package.json" ${FIRST_RUN_DIR}/ && cd ${FIRST_RUN_DIR} && exec node build/index.js`,
			url: `http://127.0.0.1:${FIRST_RUN_PORT}/healthz`,
			env: { PORT: String(FIRST_RUN_PORT) },
			reuseExistingServer: false,
			timeout: 120_000
		},
		{
			// Vite's dev server, to prove streaming isn't buffered there either.
			command: `node node_modules/vite/bin/vite.js dev --port ${DEV_PORT} --strictPort --host 127.0.0.1`,
			url: `${DEV_SERVER_URL}/healthz`,
			env: { DATABASE_URL: 'pglite:memory', LOG_LEVEL: 'warn' },
			reuseExistingServer: false,
			timeout: 120_000
		},
		{
			// The fake OpenAI-compatible model: echoes the last user message, one word per token.
			command: 'node node_modules/tsx/dist/cli.mjs scripts/dev-fake-llm.ts',
			url: `${FAKE_LLM_URL}/models`,
			env: { FAKE_LLM_PORT: String(FAKE_LLM_PORT), FAKE_LLM_CONTROL_PORT: String(FAKE_LLM_CONTROL_PORT), FAKE_LLM_TOKEN_DELAY_MS: '25' },
			reuseExistingServer: false,
			timeout: 60_000
		}
	]
});

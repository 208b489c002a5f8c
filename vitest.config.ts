import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import { nativeDatabaseUrl } from './tests/support/native-url.ts';

/**
 * Unit tests run once. Integration tests run on every engine available: always the embedded
 * PGlite, and a native PostgreSQL server when one answers (CI starts one: scripts/ci/setup-native-postgres.sh).
 * Tests that need real concurrency run only on the native server.
 */
const nativeUrl = await nativeDatabaseUrl();

export default defineConfig({
	plugins: [sveltekit()],
	test: {
		// Slow shared CI machines: a PGlite start or a native CREATE DATABASE can take seconds.
		testTimeout: 30_000,
		hookTimeout: 60_000,
		env: { LOG_LEVEL: 'silent' },
		projects: [
			{ extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
			{
				extends: true,
				test: {
					name: 'pglite',
					include: ['tests/integration/**/*.test.ts'],
					globalSetup: ['tests/support/global-setup.ts'],
					env: { TEST_ENGINE: 'pglite' }
				}
			},
			...(nativeUrl
				? [
						{
							extends: true as const,
							test: {
								name: 'native',
								include: ['tests/integration/**/*.test.ts'],
								globalSetup: ['tests/support/global-setup.ts'],
								env: { TEST_ENGINE: 'native', TEST_NATIVE_DATABASE_URL: nativeUrl }
							}
						}
					]
				: [])
		]
	}
});

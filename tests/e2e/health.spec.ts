import { expect, test } from '@playwright/test';
import { EventSource } from 'eventsource';
import { createApiClient } from '../../src/lib/trpc/client';
import { BUILT_SERVER_URL, DEV_SERVER_URL } from './servers';

const SEED_MIGRATIONS = ['001_initial_setup.sql', '002_knowledge_base.sql', '003_analytics_enhancement.sql', '004_fix_messages_and_types.sql'];

test('GET /healthz reports the database round trip and applied migrations', async ({ request }) => {
	const response = await request.get('/healthz');
	expect(response.status()).toBe(200);
	expect(response.headers()['cache-control']).toBe('no-store');
	const body = await response.json();
	expect(body.status).toBe('ok');
	expect(body.engine).toBe('pglite');
	expect(body.database.reachable).toBe(true);
	expect(body.database.roundTripMs).toBeGreaterThanOrEqual(0);
	expect(body.migrations.map((migration: { name: string }) => migration.name).slice(0, 4)).toEqual(SEED_MIGRATIONS);
});

test('health.check over the typed client returns the same facts as /healthz', async ({ request }) => {
	const api = createApiClient({ baseUrl: BUILT_SERVER_URL });
	const viaTrpc = await api.health.check.query();
	const viaHttp = await (await request.get('/healthz')).json();
	expect(viaTrpc.status).toBe(viaHttp.status);
	expect(viaTrpc.engine).toBe(viaHttp.engine);
	expect(viaTrpc.migrations.map((migration) => migration.name)).toEqual(viaHttp.migrations.map((migration: { name: string }) => migration.name));
	// superjson keeps dates as dates through the API.
	expect(viaTrpc.migrations[0]?.appliedAt).toBeInstanceOf(Date);
});

test('bad input gets a typed BAD_REQUEST with field errors, not a 500', async () => {
	const api = createApiClient({ baseUrl: BUILT_SERVER_URL, EventSource });
	const subscription = new Promise<unknown>((resolve) => {
		api.health.ticks.subscribe({ count: 0, intervalMs: 5 }, { onError: resolve, onData: () => resolve(null) });
	});
	const error = await subscription;
	expect(error).toMatchObject({ data: { code: 'BAD_REQUEST', httpStatus: 400, fieldErrors: { count: expect.any(Array), intervalMs: expect.any(Array) } } });
});

for (const [server, baseUrl] of [
	['built server', BUILT_SERVER_URL],
	['vite dev server', DEV_SERVER_URL]
] as const) {
	test(`subscriptions stream over SSE without buffering (${server})`, async () => {
		const api = createApiClient({ baseUrl, EventSource });
		const intervalMs = 250;
		const arrivals: number[] = [];
		await new Promise<void>((resolve, reject) => {
			api.health.ticks.subscribe(
				{ count: 5, intervalMs },
				{ onData: () => arrivals.push(performance.now()), onComplete: resolve, onError: reject }
			);
		});
		expect(arrivals).toHaveLength(5);
		// Buffered output would arrive in one burst at the end; streamed ticks arrive about intervalMs apart.
		const spread = (arrivals[4] ?? 0) - (arrivals[0] ?? 0);
		expect(spread).toBeGreaterThan(intervalMs * 4 * 0.6);
		const gaps = arrivals.slice(1).map((at, index) => at - (arrivals[index] ?? at));
		expect(Math.min(...gaps)).toBeGreaterThan(intervalMs * 0.3);
	});
}

test('status page shows the database and streams ticks one by one', async ({ page }) => {
	await page.goto('/status');
	await expect(page.getByTestId('health-status')).toHaveText('Operational');
	await expect(page.getByTestId('health-migrations')).toContainText('004_fix_messages_and_types.sql');
	await page.getByTestId('stream-test').click();
	const ticks = page.getByTestId('stream-ticks').locator('li');
	await expect(ticks.first()).toBeVisible();
	// While the first tick is on screen the last hasn't arrived yet: the answer grows over time.
	expect(await ticks.count()).toBeLessThan(5);
	await expect(ticks).toHaveCount(5);
	await expect(page.getByTestId('stream-test')).toBeEnabled();
});

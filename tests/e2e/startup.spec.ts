import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';

interface HealthBody {
	migrations: { name: string; appliedAt: string }[];
}

/** Runs the built server (built by the webServer step) and collects its output until it exits or answers. */
async function startServer(env: Record<string, string>, port: number): Promise<{ code: number | null; output: string; healthy: boolean; health?: HealthBody }> {
	const child = spawn(process.execPath, ['build/index.js'], {
		env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	const deadline = Date.now() + 20_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) return { code: child.exitCode, output, healthy: false };
		const health = await fetch(`http://127.0.0.1:${port}/healthz`).then(
			async (response) => (response.ok ? ((await response.json()) as HealthBody) : null),
			() => null
		);
		if (health) {
			child.kill('SIGTERM');
			return { code: await exited, output, healthy: true, health };
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	child.kill('SIGKILL');
	return { code: await exited, output, healthy: false };
}

test.describe('start-up configuration', () => {
	for (const [label, env, message] of [
		['a malformed DATABASE_URL', { DATABASE_URL: 'mysql://root:hunter2@db/airassist' }, /AirAssist cannot start: DATABASE_URL must start with 'pglite:'/],
		['an unreachable server', { DATABASE_URL: 'postgres://u:hunter2@127.0.0.1:9/airassist' }, /AirAssist cannot start: Cannot connect to the PostgreSQL server in DATABASE_URL \(postgres:\/\/u:\*\*\*@127\.0\.0\.1:9\/airassist\)/],
		['an invalid LOG_LEVEL', { LOG_LEVEL: 'loud', DATABASE_URL: 'pglite:memory' }, /AirAssist cannot start: LOG_LEVEL must be one of/]
	] as const) {
		test(`fails fast on ${label}, naming the variable, without a stack trace or the password`, async () => {
			const result = await startServer(env, 4391);
			expect(result.healthy).toBe(false);
			expect(result.code).toBe(1);
			expect(result.output).toMatch(message);
			expect(result.output).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
			expect(result.output).not.toContain('hunter2');
		});
	}

	test('the embedded database persists across restarts', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'airassist-e2e-'));
		try {
			const url = `pglite:${path.join(dir, 'db')}`;
			const first = await startServer({ DATABASE_URL: url }, 4392);
			expect(first.healthy).toBe(true);
			expect(first.health?.migrations.length).toBeGreaterThanOrEqual(4);
			// The second start finds the data of the first: the same ledger, nothing left to migrate.
			const second = await startServer({ DATABASE_URL: url, LOG_LEVEL: 'info' }, 4392);
			expect(second.healthy).toBe(true);
			expect(second.health?.migrations).toEqual(first.health?.migrations);
			expect(second.output).not.toContain('database migrated');
			expect(second.output).toContain('database ready');
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});
});

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

/**
 * The production server (`node build/index.js`, what `npm start` runs) for integration tests that
 * must go through the real request path: adapter-node's body limit, SvelteKit's cookies, the hooks
 * (cross-site check, authentication) and the tRPC mount.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILD_DIR = path.join(ROOT, 'build');
const STAMP = path.join(BUILD_DIR, '.source-fingerprint');
/** What the build is made from; the migrations are read at run time, not bundled. */
const BUILD_INPUTS = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'tsconfig.json', 'package-lock.json'];

async function filesUnder(entry: string): Promise<string[]> {
	const info = await stat(entry).catch(() => null);
	if (!info) return [];
	if (!info.isDirectory()) return [entry];
	// The Prisma client under src is generated from prisma/schema.prisma: fingerprint the schema instead.
	if (entry.endsWith(path.join('db', 'generated'))) return filesUnder(path.join(ROOT, 'prisma', 'schema.prisma'));
	const names = (await readdir(entry)).sort();
	return (await Promise.all(names.map((name) => filesUnder(path.join(entry, name))))).flat();
}

/** A hash of every build input's path and content. */
async function sourceFingerprint(): Promise<string> {
	const hash = createHash('sha256');
	for (const input of BUILD_INPUTS) {
		for (const file of await filesUnder(path.join(ROOT, input))) {
			hash.update(path.relative(ROOT, file)).update('\0').update(await readFile(file)).update('\0');
		}
	}
	return hash.digest('hex');
}

async function buildIsCurrent(fingerprint: string): Promise<boolean> {
	if (!existsSync(path.join(BUILD_DIR, 'index.js'))) return false;
	return (await readFile(STAMP, 'utf8').catch(() => '')) === fingerprint;
}

/** Runs `vite build` with a production environment (the test runner's NODE_ENV=test would leak in). */
function runBuild(): Promise<void> {
	const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(VITEST|TEST_|NODE_ENV$)/.test(name)));
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: ROOT, env: environment, stdio: ['ignore', 'ignore', 'pipe'] });
		let errors = '';
		child.stderr.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
		child.once('error', reject);
		child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build failed (exit ${code}):\n${errors}`))));
	});
}

const LOCK_DIR = path.join(os.tmpdir(), `airassist-build-lock-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`);
const STALE_LOCK_MS = 5 * 60_000;

/**
 * Builds the app unless build/ was made from exactly the current sources. Test files on both
 * engines call this at the same time: a lock directory makes one of them build and the others wait.
 */
export async function ensureBuiltApp(): Promise<{ built: boolean; ms: number }> {
	const started = performance.now();
	const fingerprint = await sourceFingerprint();
	for (;;) {
		if (await buildIsCurrent(fingerprint)) return { built: false, ms: performance.now() - started };
		try {
			await mkdir(LOCK_DIR);
		} catch {
			const lock = await stat(LOCK_DIR).catch(() => null);
			if (lock && Date.now() - lock.mtimeMs > STALE_LOCK_MS) await rm(LOCK_DIR, { recursive: true, force: true });
			await new Promise((resolve) => setTimeout(resolve, 200));
			continue;
		}
		try {
			if (await buildIsCurrent(fingerprint)) return { built: false, ms: performance.now() - started };
			await runBuild();
			await writeFile(STAMP, fingerprint);
			return { built: true, ms: performance.now() - started };
		} finally {
			await rm(LOCK_DIR, { recursive: true, force: true });
		}
	}
}

export interface BuiltAppServer {
	base: string;
	port: number;
	process: ChildProcess;
	/** Everything the server wrote to stdout and stderr (its log lines). */
	output(): string;
	/** Sends SIGTERM and waits for the exit: the server saves answers in flight and closes the database. */
	stop(): Promise<number | null>;
}

/** Starts the built server on 127.0.0.1:`port` with `env` added and waits for GET /healthz to answer 200. */
export async function startBuiltApp(port: number, env: Record<string, string>, timeoutMs = 60_000): Promise<BuiltAppServer> {
	const base = `http://127.0.0.1:${port}`;
	// A server left over from an interrupted run would answer /healthz in place of this one.
	if ((await healthStatus(base)) !== null) throw new Error(`something already answers on ${base}; stop it (or set E2E_PORT_OFFSET) and run again`);
	const child = spawn(process.execPath, [path.join(BUILD_DIR, 'index.js')], {
		cwd: ROOT,
		env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	const collect = (chunk: Buffer) => (output += chunk.toString());
	child.stdout?.on('data', collect);
	child.stderr?.on('data', collect);
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
		return exited;
	};
	const started = Date.now();
	for (;;) {
		if (child.exitCode !== null) throw new Error(`the built server exited with code ${child.exitCode}:\n${output}`);
		if ((await healthStatus(base)) === 200) break;
		if (Date.now() - started > timeoutMs) {
			await stop();
			throw new Error(`the built server did not become healthy within ${timeoutMs} ms:\n${output}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	return { base, port, process: child, output: () => output, stop };
}

/** GET /healthz's status code, or null when nothing answers. */
export function healthStatus(base: string): Promise<number | null> {
	return new Promise((resolve) => {
		const request = http.get(`${base}/healthz`, { agent: false, timeout: 5_000 }, (response) => {
			response.resume();
			response.once('end', () => resolve(response.statusCode ?? null));
		});
		request.once('timeout', () => request.destroy());
		request.once('error', () => resolve(null));
	});
}

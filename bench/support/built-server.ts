import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port nobody is listening on, for a server started by a benchmark. */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
		});
	});
}

export interface BuiltServer {
	base: string;
	process: ChildProcess;
	/** Milliseconds from spawning to the first healthy /healthz answer. */
	startupMs: number;
	stop(): Promise<void>;
}

/** Starts `node build/index.js` (building it first if needed) and waits until /healthz answers 200. */
export async function startBuiltServer(env: Record<string, string>, timeoutMs = 60_000): Promise<BuiltServer> {
	if (!existsSync('build/index.js')) execSync('npm run build', { stdio: 'ignore' });
	const port = await freePort();
	const base = `http://127.0.0.1:${port}`;
	const started = performance.now();
	const child = spawn(process.execPath, ['build/index.js'], {
		env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ORIGIN: base, LOG_LEVEL: 'warn', ...env },
		stdio: ['ignore', 'ignore', 'inherit']
	});
	const stop = async () => {
		if (child.exitCode !== null) return;
		child.kill('SIGTERM');
		await new Promise((resolve) => child.once('exit', resolve));
	};
	for (;;) {
		if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
		if (await fetch(`${base}/healthz`).then((response) => response.ok, () => false)) break;
		if (performance.now() - started > timeoutMs) {
			await stop();
			throw new Error(`the server did not become healthy within ${timeoutMs} ms`);
		}
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	return { base, process: child, startupMs: performance.now() - started, stop };
}

/** Creates an account through the API and returns its session cookie (`aa_session=…`). */
export async function signUpCookie(base: string, email = 'bench@example.test'): Promise<string> {
	const response = await fetch(`${base}/api/trpc/auth.signUp`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ json: { email, password: 'benchmark password' } })
	});
	const cookie = response.headers.get('set-cookie')?.split(';')[0];
	if (!cookie) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
	return cookie;
}

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openEmbedded, type Database } from '../../src/lib/server/db/client';
import { openPglite } from '../../src/lib/server/db/pglite-engine';
import { ensureBuiltApp, startBuiltApp, type BuiltAppServer } from '../support/built-app';
import { signedUpCaller } from '../support/callers';
import { createTestDatabase, testEngine } from '../support/test-database';

/**
 * Knowledge uploads over real HTTP to the built server started the README's way (only PORT and
 * the database set; no BODY_SIZE_LIMIT): the tier's size cap decides, not adapter-node's 512K,
 * while every other route keeps the 512K body limit.
 */

const PORT = 6200 + (Number(process.env.E2E_PORT_OFFSET ?? 0) || 0) + (testEngine === 'native' ? 1 : 0);
const MIB = 1024 * 1024;

let server: BuiltAppServer;
let cookie: string;
let dispose: () => Promise<void>;

async function openServedDatabase(): Promise<{ url: string; db: Database; release: () => Promise<void>; dispose: () => Promise<void> }> {
	if (testEngine === 'native') {
		const test = await createTestDatabase();
		if (!test.url) throw new Error('the native test database has no URL');
		return { url: test.url, db: test.db, release: async () => undefined, dispose: () => test.dispose() };
	}
	const dir = await mkdtemp(path.join(os.tmpdir(), 'airassist-upload-'));
	const dataDir = path.join(dir, 'db');
	const db = openEmbedded(await openPglite(dataDir, new Blob([await readFile(inject('pgliteSnapshot'))])));
	return { url: `pglite:${dataDir}`, db, release: () => db.close(), dispose: () => rm(dir, { recursive: true, force: true }) };
}

beforeAll(async () => {
	await ensureBuiltApp();
	const database = await openServedDatabase();
	await signedUpCaller(database.db, 'upload-admin'); // the first account is the administrator
	const member = await signedUpCaller(database.db, 'upload-member');
	expect(await database.db.prisma.profile.findUniqueOrThrow({ where: { id: member.user.id }, select: { tier: true } })).toEqual({ tier: 'free' });
	expect(await database.db.prisma.tierLimit.findUniqueOrThrow({ where: { tier: 'free' }, select: { maxKnowledgeDocumentMb: true } })).toEqual({ maxKnowledgeDocumentMb: 5 });
	cookie = `aa_session=${member.token}`;
	await database.release();
	dispose = database.dispose;
	server = await startBuiltApp(PORT, { DATABASE_URL: database.url, LOG_LEVEL: 'warn' });
}, 180_000);

afterAll(async () => {
	if (process.env.UPLOAD_DEBUG) console.log(server?.output());
	await server?.stop();
	await dispose?.();
});

/** Markdown of `bytes` bytes: words, so extraction and chunking do real work. */
function markdownOf(bytes: number): Uint8Array<ArrayBuffer> {
	const line = '# Heading\n\nThe quick brown fox jumps over the lazy dog near the river bank.\n\n';
	return new TextEncoder().encode(line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes));
}

function upload(bytes: Uint8Array<ArrayBuffer>, name = 'notes.md'): Promise<Response> {
	const form = new FormData();
	form.set('file', new File([bytes], name, { type: 'text/markdown' }));
	return fetch(`${server.base}/api/knowledge/documents`, { method: 'POST', body: form, headers: { cookie, origin: server.base } });
}

describe(`knowledge uploads to the built server (${testEngine})`, () => {
	it('a 1 MB file (over adapter-node’s 512K default) is accepted on the free tier', async () => {
		const response = await upload(markdownOf(MIB));
		expect(response.status).toBe(201);
		expect(await response.json()).toMatchObject({ id: expect.any(String) });
	});

	it('a file over the free tier’s 5 MB cap gets the quota refusal, naming the cap', async () => {
		const response = await upload(markdownOf(6 * MIB));
		expect(response.status).toBe(413);
		const body: unknown = await response.json();
		expect(body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', field: 'file', quota: { kind: 'knowledge_document_mb', limit: 5 } } });
		expect(body).toMatchObject({ error: { message: expect.stringContaining('up to 5 MB') } });
	});

	it('a streamed body without Content-Length is cut off past the cap', async () => {
		const boundary = 'airassist-test-boundary';
		const head = new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.md"\r\nContent-Type: text/markdown\r\n\r\n`);
		const piece = markdownOf(MIB);
		let sent = 0;
		const body = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(head);
			},
			pull(controller) {
				// Far more than the cap: the server must answer without reading all of it.
				if (sent >= 200) return controller.close();
				sent += 1;
				controller.enqueue(piece);
			}
		});
		const init: RequestInit & { duplex: 'half' } = { method: 'POST', body, headers: { cookie, origin: server.base, 'content-type': `multipart/form-data; boundary=${boundary}` }, duplex: 'half' };
		const response = await fetch(`${server.base}/api/knowledge/documents`, init);
		expect(response.status).toBe(413);
		expect(await response.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', quota: { kind: 'knowledge_document_mb', limit: 5 } } });
		expect(sent).toBeLessThan(200);
	});

	it('other routes keep the 512K body limit', async () => {
		const payload = JSON.stringify({ json: { content: 'a'.repeat(600 * 1024) } });
		const response = await fetch(`${server.base}/api/trpc/chat.send`, { method: 'POST', body: payload, headers: { cookie, origin: server.base, 'content-type': 'application/json' } });
		expect(response.status).toBe(413);
	});
});

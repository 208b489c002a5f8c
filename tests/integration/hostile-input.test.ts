import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MAX_MESSAGE_CHARS, MESSAGE_TOO_LARGE } from '../../src/lib/schemas/chat';
import type { ProviderOptions } from '../../src/lib/server/ai/provider-registry';
import { flushEvents } from '../../src/lib/server/analytics';
import { whenGenerationsSettled } from '../../src/lib/server/chat/answer/generate';
import { openDatabase, openEmbedded, type Database } from '../../src/lib/server/db/client';
import { openPglite } from '../../src/lib/server/db/pglite-engine';
import { createServices, providerLookup } from '../../src/lib/server/services';
import { TOO_LARGE_MESSAGE, UNREADABLE_MESSAGE } from '../../src/lib/server/trpc/client-error';
import { appRouter } from '../../src/lib/server/trpc/router';
import { MAX_BATCH_SIZE } from '../../src/lib/trpc/limits';
import { ensureBuiltApp, healthStatus, startBuiltApp, type BuiltAppServer } from '../support/built-app';
import { signedUpCaller } from '../support/callers';
import { anyInput, deepJsonText, structuredInput, type KnownValues } from '../support/fuzz/hostile';
import { countsAs5xx, errorCodesIn, inspectResponse, type Finding } from '../support/fuzz/inspect';
import { listProcedures, type ProcedureInfo } from '../support/fuzz/procedures';
import { rowCount, snapshotUserRows, type RowSnapshot } from '../support/fuzz/victim';
import { callRequest, envelopeOf, headBytes, MAX_HEAD_BYTES, queryEncode, sseEvents, WireClient, type WireRequest, type WireResponse } from '../support/fuzz/wire';
import { createTestDatabase, testEngine, type TestDatabase } from '../support/test-database';

/**
 * Issue 7: no input gets a 500. Every procedure of the app router, found by walking it, is sent
 * hostile inputs over real HTTP to the production build (`node build/index.js`) as an anonymous
 * caller, a user and an administrator; the suite asserts no 5xx, no internals in any body, a
 * healthy server afterwards and not one changed row of another user. The issue's cases are named
 * regressions below. FUZZ_SEED and FUZZ_RUNS explore further; the defaults keep the run short.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);
/** Schema-shaped inputs per procedure and role; the other generators add about as many again. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 5);
/** Procedures per role that also get the 10 MB bodies (chosen by the seed; every run covers others). */
const HUGE_PER_ROLE = 2;
/** Malformed envelopes per procedure and role, drawn from the list in envelopeCases. */
const ENVELOPES_PER_ROLE = 4;
/** Hostile credentials and headers per procedure and role, drawn from HOSTILE_HEADERS. */
const HEADERS_PER_ROLE = 2;
/** E2E_PORT_OFFSET shifts ports so checkouts run side by side (as in tests/e2e/servers.ts). */
const PORT = 6090 + (Number(process.env.E2E_PORT_OFFSET ?? 0) || 0) + (testEngine === 'native' ? 1 : 0);
const PASSWORD = 'fuzz suite password';

const FAST: ProviderOptions = { offlineChunkDelayMs: 0 };
const services = createServices({ providers: providerLookup(FAST) });

/** The database the server runs on, seeded here first; PGlite allows one process, so it is closed while the server runs. */
interface FuzzDatabase {
	url: string;
	db: Database;
	release(): Promise<void>;
	reopen(): Promise<Database>;
	dispose(): Promise<void>;
}

async function openFuzzDatabase(): Promise<FuzzDatabase> {
	if (testEngine === 'native') {
		const test: TestDatabase = await createTestDatabase();
		if (!test.url) throw new Error('the native test database has no URL');
		return { url: test.url, db: test.db, release: async () => undefined, reopen: async () => test.db, dispose: () => test.dispose() };
	}
	const dir = await mkdtemp(path.join(os.tmpdir(), 'airassist-fuzz-'));
	const dataDir = path.join(dir, 'db');
	const state: { db: Database } = { db: openEmbedded(await openPglite(dataDir, new Blob([await readFile(inject('pgliteSnapshot'))]))) };
	return {
		url: `pglite:${dataDir}`,
		get db() {
			return state.db;
		},
		release: () => state.db.close(),
		async reopen() {
			state.db = await openDatabase({ engine: 'pglite', dataDir });
			return state.db;
		},
		async dispose() {
			await state.db.close().catch(() => undefined);
			await rm(dir, { recursive: true, force: true });
		}
	};
}

type Seeded = Awaited<ReturnType<typeof signedUpCaller>>;

/** One identity the fuzzer speaks as: a cookie it sends, renewed by signing in when a call ends the session. */
class Role {
	cookie: string | null;
	dead = false;
	renewals = 0;
	/** An API token of the account: some calls authenticate with it instead of the cookie. */
	apiToken: string | null = null;
	/**
	 * @param known what the role's inputs aim at: the victim's rows and its own.
	 * @param knownForAdminOnly for procedures only administrators may call, which may act on other
	 *   users by design (tiers, roles): those aim at a second account, never at the victim.
	 */
	constructor(
		readonly name: 'anonymous' | 'user' | 'admin',
		readonly account: Seeded | null,
		readonly known: KnownValues,
		readonly knownForAdminOnly: KnownValues = known
	) {
		this.cookie = account ? `aa_session=${account.token}` : null;
	}

	knownFor(procedure: ProcedureInfo): KnownValues {
		return adminOnly.has(procedure.path) ? this.knownForAdminOnly : this.known;
	}
}

let database: FuzzDatabase;
let server: BuiltAppServer;
let client: WireClient;
/** Sign-ins of the suite's own accounts come from another loopback address, away from the fuzzed sign-ins' throttle. */
let renewClient: WireClient;
let admin: Seeded;
let victim: Seeded;
let member: Seeded;
/** An account admin-only procedures may act on, so the victim's rows stay out of their reach. */
let managed: Seeded;
let roles: Role[];
/** Procedures that refuse a signed-in user as FORBIDDEN whatever the input: administrators only. */
const adminOnly = new Set<string>();
let procedures: ProcedureInfo[];
let victimBefore: RowSnapshot;
const secret = `victim-secret-${Math.random().toString(36).slice(2, 10)}`;
const victimIds: Record<string, string> = {};
const startedAt = performance.now();

async function seedOwnChat(account: Seeded, label: string) {
	const sent = await account.caller.chat.send({ content: `${label}: hello`, sessionId: null });
	const token = await account.caller.account.apiTokens.create({ name: `${label} token` });
	await whenGenerationsSettled();
	const share = await account.caller.chat.shares.create({ id: sent.sessionId });
	return { sent, token, share };
}

beforeAll(async () => {
	const build = await ensureBuiltApp();
	const seeding = performance.now();
	database = await openFuzzDatabase();
	const db = database.db;
	// The first account is the administrator (migration 001's sign-up trigger).
	admin = await signedUpCaller(db, 'fuzz-admin', PASSWORD, services);
	victim = await signedUpCaller(db, 'fuzz-victim', PASSWORD, services);
	member = await signedUpCaller(db, 'fuzz-user', PASSWORD, services);
	managed = await signedUpCaller(db, 'fuzz-managed', PASSWORD, services);
	// More messages a minute than a free tier allows, so valid inputs reach past the rate limit.
	await db.prisma.profile.updateMany({ where: { id: { in: [admin.user.id, member.user.id] } }, data: { tier: 'enterprise' } });

	// The victim's rows: every kind a fuzzed call could touch; the private ones hold a text nobody
	// else may see (not the name: an administrator's user list may show it).
	await victim.caller.account.profile.update({ displayName: 'Victim' });
	const chat = await victim.caller.chat.sessions.create({ title: `Chat ${secret}` });
	const sent = await victim.caller.chat.send({ sessionId: chat.id, content: `Question ${secret}` });
	await whenGenerationsSettled();
	const share = await victim.caller.chat.shares.create({ id: chat.id });
	const token = await victim.caller.account.apiTokens.create({ name: `Token ${secret}` });
	const settings = await victim.caller.settings.get();
	await victim.caller.settings.update({ ...settings.settings, systemPrompt: `Prompt ${secret}` });
	Object.assign(victimIds, { user: victim.user.id, chat: chat.id, question: sent.userMessage.id, answer: sent.assistantMessage.id, share: share.id, token: token.apiToken.id });
	const victimSessions = await db.prisma.session.findMany({ where: { userId: victim.user.id }, select: { id: true } });
	const foreign: KnownValues = { uuids: Object.values(victimIds), sessionIds: victimSessions.map((session) => session.id), emails: [victim.email] };

	const apiTokens = new Map<string, string>();
	const own = async (account: Seeded, label: string): Promise<KnownValues> => {
		const { sent: mine, token: mineToken, share: mineShare } = await seedOwnChat(account, label);
		apiTokens.set(account.user.id, mineToken.token);
		const uuids = [account.user.id, mine.sessionId, mine.userMessage.id, mine.assistantMessage.id, mineToken.apiToken.id, mineShare.id];
		return { uuids: [...foreign.uuids, ...uuids], sessionIds: foreign.sessionIds, emails: foreign.emails };
	};
	const adminOwn = await own(admin, 'admin');
	const managedIds: KnownValues = { uuids: [...adminOwn.uuids.filter((id) => !foreign.uuids.includes(id)), managed.user.id], sessionIds: [], emails: [managed.email] };
	roles = [new Role('anonymous', null, foreign), new Role('user', member, await own(member, 'user')), new Role('admin', admin, adminOwn, managedIds)];
	for (const role of roles) role.apiToken = role.account ? (apiTokens.get(role.account.user.id) ?? null) : null;
	// Events are written in batches: the seeding's must be in the table before the snapshot.
	await flushEvents(db);
	victimBefore = await snapshotUserRows(db, victim.user.id);
	procedures = await listProcedures(appRouter);

	await database.release();
	const seeded = performance.now();
	// The README's configuration (no ORIGIN: the cross-site check compares with the Host header), with
	// the per-address sign-up cap raised so fuzzed sign-ups reach past it.
	server = await startBuiltApp(PORT, { DATABASE_URL: database.url, DATABASE_POOL_SIZE: '5', LOG_LEVEL: 'warn', AUTH_SIGNUPS_PER_IP_PER_HOUR: '100000' });
	client = new WireClient(server.base);
	renewClient = new WireClient(server.base, { localAddress: '127.0.0.2' });
	const user = roleNamed('user');
	for (const procedure of procedures) {
		if (user.dead) await renew(user);
		const probe = await client.send(callRequest(procedure.path, procedure.type, undefined, headersFor(user)));
		if (endsSession(probe)) user.dead = true;
		if (errorCodesIn(probe).includes('FORBIDDEN')) adminOnly.add(procedure.path);
	}
	if (user.dead) await renew(user);
	const ms = (from: number, to = performance.now()) => `${Math.round(to - from)} ms`;
	console.log(`[fuzz ${testEngine}] build ${build.built ? `made in ${ms(0, build.ms)}` : 'up to date'}; database seeded in ${ms(seeding, seeded)}; server started and probed in ${ms(seeded)}`);
}, 180_000);

afterAll(async () => {
	client?.close();
	renewClient?.close();
	await server?.stop();
	await database?.dispose();
});

// ---------------------------------------------------------------------------------------------
// Requests

function sameSite(): Record<string, string> {
	return { origin: client.origin };
}

function headersFor(role: Role, extra: Record<string, string> = {}): Record<string, string> {
	return { ...sameSite(), ...(role.cookie ? { cookie: role.cookie } : {}), ...extra };
}

/** A response that deletes the session cookie ended the role's session (sign-out, revoked session). */
function endsSession(response: WireResponse): boolean {
	const cookies = response.headers['set-cookie'] ?? [];
	return cookies.some((cookie) => /^aa_session=;/.test(cookie) || (/^aa_session=/.test(cookie) && /Max-Age=0\b/i.test(cookie)));
}

async function renew(role: Role): Promise<void> {
	if (!role.account) return;
	const response = await renewClient.send(
		callRequest('auth.signIn', 'mutation', JSON.stringify({ json: { email: role.account.email, password: PASSWORD } }), sameSite())
	);
	const cookie = (response.headers['set-cookie'] ?? []).find((value) => value.startsWith('aa_session=') && !value.startsWith('aa_session=;'));
	if (response.status !== 200 || !cookie) throw new Error(`could not sign the ${role.name} in again: ${response.status} ${response.body.slice(0, 200)}`);
	role.cookie = cookie.split(';', 1)[0] ?? null;
	role.dead = false;
	role.renewals++;
}

/** Every string and key in a value, without recursion (inputs may be 10,000 levels deep). */
function stringsIn(value: unknown, limit = 2_000): string[] {
	const found: string[] = [];
	const stack: unknown[] = [value];
	while (stack.length > 0 && found.length < limit) {
		const next = stack.pop();
		if (typeof next === 'string') found.push(next);
		else if (next instanceof Map) stack.push(...next.keys(), ...next.values());
		else if (next instanceof Set) stack.push(...next);
		else if (typeof next === 'object' && next !== null) {
			for (const [key, inner] of Object.entries(next)) {
				found.push(key);
				stack.push(inner);
			}
		}
	}
	return found;
}

interface FuzzCase {
	kind: string;
	request: WireRequest;
	echoes: string[];
	/** The request is too large to be sure of an answer (the server may close the socket while it is written). */
	mayDrop?: boolean;
}

const encode = (input: unknown) => JSON.stringify(envelopeOf(input));

function inputCase(kind: string, procedure: ProcedureInfo, role: Role, input: unknown): FuzzCase {
	const request = callRequest(procedure.path, procedure.type, encode(input), headersFor(role));
	return { kind, request, echoes: stringsIn(input) };
}

/** Malformed superjson envelopes and bodies: what a broken or hostile client sends instead of JSON-RPC. */
function envelopeCases(procedure: ProcedureInfo, role: Role, sample: unknown): FuzzCase[] {
	const json = JSON.stringify(envelopeOf(sample).json) ?? 'null';
	const bodies: [string, string][] = [
		['null body', 'null'],
		['empty body', ''],
		['array body', '[1,2,3]'],
		['string body', '"json"'],
		['truncated JSON', `{"json":${json.slice(0, Math.max(1, json.length >> 1))}`],
		['meta not an object', `{"json":${json},"meta":"values"}`],
		['meta with an unknown class', `{"json":{"a":{}},"meta":{"values":{"a":[["class","Unregistered"]]}}}`],
		['meta with an unknown custom type', `{"json":{"a":"x"},"meta":{"values":{"a":[["custom","Decimal"]]}}}`],
		['meta with an unknown type', `{"json":{"a":"x"},"meta":{"values":{"a":["zzz"]}}}`],
		['meta bigint of garbage', `{"json":{"a":"12x"},"meta":{"values":{"a":["bigint"]}}}`],
		['meta Date of garbage', `{"json":{"a":"not a date"},"meta":{"values":{"a":["Date"]}}}`],
		['meta number of garbage', `{"json":{"a":"lots"},"meta":{"values":{"a":["number"]}}}`],
		['meta regexp of garbage', `{"json":{"a":"/(/"},"meta":{"values":{"a":["regexp"]}}}`],
		['meta set on a string', `{"json":{"a":"x"},"meta":{"values":{"a":["set"]}}}`],
		['meta map on a number', `{"json":{"a":1},"meta":{"values":{"a":["map"]}}}`],
		['meta values on the root of null', '{"json":null,"meta":{"values":[["class","X"]]}}'],
		['meta path into nothing', `{"json":{},"meta":{"values":{"a.b.c.d":["Date"]}}}`],
		['meta referential equality to the prototype', `{"json":{"a":{}},"meta":{"referentialEqualities":{"a":["__proto__.polluted","constructor.prototype.x"]}}}`],
		['__proto__ key', `{"json":{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}}}}`],
		['duplicate keys', `{"json":${json},"json":{"x":1}}`],
		['json key missing', `{"input":${json}}`],
		['BOM before JSON', `\ufeff{"json":${json}}`]
	];
	const cases = bodies.map(([kind, body]): FuzzCase => {
		const base = callRequest(procedure.path, procedure.type, body, headersFor(role));
		return { kind: `envelope: ${kind}`, request: base, echoes: stringsIn(sample) };
	});
	// Bytes that are not UTF-8, and the wrong content types.
	const post = (kind: string, body: string | Buffer, headers: Record<string, string>): FuzzCase => ({
		kind,
		request: { method: 'POST', path: `/api/trpc/${procedure.path}`, headers: headersFor(role, headers), body },
		echoes: stringsIn(sample)
	});
	cases.push(
		post('envelope: invalid UTF-8', Buffer.concat([Buffer.from('{"json":{"a":"'), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]), Buffer.from('"}}')]), { 'content-type': 'application/json' }),
		post('envelope: form content type', `json=${encodeURIComponent(json)}`, { 'content-type': 'application/x-www-form-urlencoded' }),
		post('envelope: multipart content type', '--x\r\nContent-Disposition: form-data; name="json"\r\n\r\n1\r\n--x--', { 'content-type': 'multipart/form-data; boundary=x' })
	);
	return cases;
}

function deepCases(procedure: ProcedureInfo, role: Role, asObject: boolean): FuzzCase[] {
	const deep = deepJsonText(10_000, asObject);
	const inMeta = `{"json":{"a":1},"meta":{"values":{"a":${deepJsonText(10_000, false)}}}}`;
	const cases: FuzzCase[] = [
		{ kind: 'deep: 10,000 levels in json (POST)', request: { method: 'POST', path: `/api/trpc/${procedure.path}`, headers: headersFor(role, { 'content-type': 'application/json' }), body: `{"json":${deep}}` }, echoes: ['a'] },
		{ kind: 'deep: 10,000 levels in meta (POST)', request: { method: 'POST', path: `/api/trpc/${procedure.path}`, headers: headersFor(role, { 'content-type': 'application/json' }), body: inMeta }, echoes: ['a'] }
	];
	if (procedure.type !== 'mutation') {
		// Raw brackets keep 7,000 levels within Node's 16 KB limit on the request head.
		const levels = 7_000;
		cases.push({
			kind: 'deep: 7,000 levels in ?input=',
			request: { method: 'GET', path: `/api/trpc/${procedure.path}?input=%7B%22json%22%3A${'['.repeat(levels)}1${']'.repeat(levels)}%7D`, headers: headersFor(role, procedure.type === 'subscription' ? { accept: 'text/event-stream' } : {}) },
			echoes: []
		});
	}
	return cases;
}

const TEN_MB = 10 * 1024 * 1024;
const hugeText = 'a'.repeat(TEN_MB);

function hugeCases(procedure: ProcedureInfo, role: Role): FuzzCase[] {
	const body = `{"json":{"content":"${hugeText}","title":"${hugeText.slice(0, 1000)}"}}`;
	const request = (chunked: boolean): WireRequest => ({ method: 'POST', path: `/api/trpc/${procedure.path}`, headers: headersFor(role, { 'content-type': 'application/json' }), body, chunked, ownConnection: true });
	const cases: FuzzCase[] = [
		{ kind: '10 MB body', request: request(false), echoes: [], mayDrop: true },
		{ kind: '10 MB body, chunked', request: request(true), echoes: [], mayDrop: true }
	];
	if (procedure.type !== 'mutation') {
		// Far over Node's limit on the request head: refused (431) before the app sees it, or the socket is cut while writing.
		cases.push({ kind: '10 MB ?input=', request: { method: 'GET', path: `/api/trpc/${procedure.path}?input=${hugeText}`, headers: headersFor(role), ownConnection: true }, echoes: [], mayDrop: true });
	}
	return cases;
}

function batchCases(procedure: ProcedureInfo, role: Role, inputs: unknown[], partner: ProcedureInfo | undefined): FuzzCase[] {
	const paths = [procedure.path, procedure.path, partner?.path ?? procedure.path];
	const envelope = Object.fromEntries(inputs.slice(0, 3).map((input, index) => [String(index), envelopeOf(input)]));
	const text = JSON.stringify(envelope);
	const echoes = inputs.flatMap((input) => stringsIn(input));
	const sse: Record<string, string> = procedure.type === 'subscription' ? { accept: 'text/event-stream' } : {};
	const batch = (kind: string, list: string[], body: string): FuzzCase => {
		const request: WireRequest =
			procedure.type === 'mutation'
				? { method: 'POST', path: `/api/trpc/${list.join(',')}?batch=1`, headers: headersFor(role, { 'content-type': 'application/json' }), body }
				: { method: 'GET', path: `/api/trpc/${list.join(',')}?batch=1&input=${queryEncode(body)}`, headers: headersFor(role, sse) };
		return { kind, request, echoes };
	};
	return [
		batch('batch of hostile inputs', paths, text),
		batch('batch with inputs that are not an object of indexes', paths, JSON.stringify([envelope['0'] ?? null, 'x'])),
		batch(`batch over the limit (${MAX_BATCH_SIZE + 1} calls)`, new Array<string>(MAX_BATCH_SIZE + 1).fill(procedure.path), '{}')
	];
}

/** The wrong method for the procedure's type (tRPC answers 405, never 500). */
function wrongMethodCase(procedure: ProcedureInfo, role: Role): FuzzCase {
	const request: WireRequest =
		procedure.type === 'mutation'
			? { method: 'GET', path: `/api/trpc/${procedure.path}?input=${encodeURIComponent('{"json":{}}')}`, headers: headersFor(role) }
			: { method: 'POST', path: `/api/trpc/${procedure.path}`, headers: headersFor(role, { 'content-type': 'application/json' }), body: '{"json":{}}' };
	return { kind: 'wrong method', request, echoes: [] };
}

/** Requests another site could make a browser send: refused by the cross-site check, whatever the body. */
function crossSiteCases(procedure: ProcedureInfo, role: Role): FuzzCase[] {
	const path = `/api/trpc/${procedure.path}`;
	const cookie: Record<string, string> = role.cookie ? { cookie: role.cookie } : {};
	return [
		{ kind: 'cross-site origin', request: { method: 'POST', path, headers: { ...cookie, origin: 'http://evil.example', 'content-type': 'application/json' }, body: '{"json":{}}' }, echoes: [] },
		{ kind: 'form post without origin', request: { method: 'POST', path, headers: { ...cookie, 'content-type': 'text/plain' }, body: '{"json":{}}' }, echoes: [] },
		{ kind: 'origin "null"', request: { method: 'POST', path, headers: { ...cookie, origin: 'null', 'content-type': 'application/json' }, body: '{"json":{}}' }, echoes: [] }
	];
}

/** Credentials and headers the hooks parse before any procedure runs. */
const HOSTILE_HEADERS: readonly [string, Record<string, string>][] = [
	['empty session cookie', { cookie: 'aa_session=' }],
	['4 KB session cookie', { cookie: `aa_session=${'x'.repeat(4_000)}` }],
	['session cookie of escapes', { cookie: 'aa_session=%00%ZZ%FF; aa_session=second' }],
	['session cookie in Latin-1', { cookie: 'aa_session=\u00ff\u00e9\u00a0' }],
	['session cookie holding a session id', { cookie: `aa_session=${'f'.repeat(64)}` }],
	['empty bearer', { authorization: 'Bearer ' }],
	['bearer of garbage', { authorization: 'Bearer aa_\u00ff%00' }],
	['8 KB bearer', { authorization: `Bearer aa_${'a'.repeat(8_000)}` }],
	['basic auth', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
	['bearer with spaces', { authorization: 'bearer   aa_x   y' }],
	['request id path', { 'x-request-id': '../../etc/passwd' }],
	['long request id', { 'x-request-id': 'r'.repeat(4_000) }],
	['UTF-16 charset', { 'content-type': 'application/json; charset=utf-16' }],
	['event-stream content type', { 'content-type': 'text/event-stream' }],
	['forwarded headers', { 'x-forwarded-for': '1.2.3.4, ::1, not-an-ip', 'x-forwarded-proto': 'gopher', 'x-forwarded-host': 'evil.example' }]
];

function headerCases(procedure: ProcedureInfo, role: Role, chosen: readonly (readonly [string, Record<string, string>])[], input: unknown): FuzzCase[] {
	return chosen.map(([kind, extra]) => {
		const base = callRequest(procedure.path, procedure.type, encode(input), headersFor(role));
		return { kind: `header: ${kind}`, request: { ...base, headers: { ...base.headers, ...extra } }, echoes: stringsIn(input) };
	});
}

/** The same input with the role's API token instead of its cookie (no cookie, so no cross-site check applies). */
function bearerCase(procedure: ProcedureInfo, role: Role, input: unknown): FuzzCase | null {
	if (!role.apiToken) return null;
	const { cookie: _cookie, ...headers } = headersFor(role);
	const request = callRequest(procedure.path, procedure.type, encode(input), { ...headers, authorization: `Bearer ${role.apiToken}` });
	return { kind: 'structured, with an API token', request, echoes: stringsIn(input) };
}

/** A seed per procedure, role and generator, so a new procedure leaves every other one's inputs unchanged. */
function seedFor(...parts: string[]): number {
	return createHash('sha256').update([SEED, ...parts].join('\0')).digest().readInt32BE(0);
}

function casesFor(procedure: ProcedureInfo, role: Role, huge: boolean): FuzzCase[] {
	const seed = (kind: string) => seedFor(procedure.path, role.name, kind);
	const known = role.knownFor(procedure);
	const structured = fc.sample(structuredInput(procedure.input, known), { seed: seed('structured'), numRuns: RUNS });
	const anything = fc.sample(anyInput(known), { seed: seed('any'), numRuns: Math.max(2, Math.ceil(RUNS / 3)) });
	const envelopes = envelopeCases(procedure, role, structured[0]);
	const choices = fc.tuple(
		fc.boolean(),
		fc.nat(),
		fc.shuffledSubarray(envelopes, { minLength: ENVELOPES_PER_ROLE, maxLength: ENVELOPES_PER_ROLE }),
		fc.shuffledSubarray([...HOSTILE_HEADERS], { minLength: HEADERS_PER_ROLE, maxLength: HEADERS_PER_ROLE })
	);
	const [asObject, partnerIndex, envelopeChoice, headerChoice] = fc.sample(choices, { seed: seed('pick'), numRuns: 1 })[0] ?? [false, 0, [], []];
	const sameType = procedures.filter((other) => other.type === procedure.type && other.path !== procedure.path);
	return [
		...structured.map((input, index) => (index % 4 === 3 && bearerCase(procedure, role, input)) || inputCase('structured', procedure, role, input)),
		...headerCases(procedure, role, headerChoice, structured[1]),
		...anything.map((input) => inputCase('any value', procedure, role, input)),
		{ kind: 'no input', request: callRequest(procedure.path, procedure.type, undefined, headersFor(role)), echoes: [] },
		...envelopeChoice,
		...deepCases(procedure, role, asObject).slice(procedure.type === 'mutation' ? 0 : 1),
		...batchCases(procedure, role, structured, sameType[partnerIndex % Math.max(1, sameType.length)]).slice(0, 2),
		wrongMethodCase(procedure, role),
		...(procedure.type === 'mutation' ? crossSiteCases(procedure, role).slice(partnerIndex % 3, (partnerIndex % 3) + 1) : []),
		...(huge ? hugeCases(procedure, role) : [])
	];
}

// ---------------------------------------------------------------------------------------------
// Running and counting

interface Failure {
	procedure: string;
	role: string;
	kind: string;
	status: number | null;
	finding: Finding;
	request: string;
}

interface Tally {
	sent: number;
	byStatus: Map<string, number>;
	fiveXx: number;
	failures: Failure[];
	kinds: Set<string>;
	/** Time spent waiting for answers, per procedure (all roles): where the run's minutes go. */
	msByProcedure: Map<string, number>;
}

/** FUZZ_DEBUG=1 lists the slowest requests: a slow answer to a small request is a finding too. */
const slowest: [number, string][] = [];
const tally: Tally = { sent: 0, byStatus: new Map(), fiveXx: 0, failures: [], kinds: new Set(), msByProcedure: new Map() };

function describeRequest(request: WireRequest): string {
	const body = request.body === undefined ? '' : ` ${String(request.body).slice(0, 160)}${String(request.body).length > 160 ? `… (${String(request.body).length} chars)` : ''}`;
	return `${request.method} ${request.path.slice(0, 200)}${body}`;
}

async function run(procedure: ProcedureInfo, role: Role, item: FuzzCase): Promise<void> {
	if (role.dead) await renew(role);
	// Headers were built when the cases were; a renewed session needs the new cookie.
	const request = role.cookie && item.request.headers?.cookie ? { ...item.request, headers: { ...item.request.headers, cookie: role.cookie } } : item.request;
	const sentAt = performance.now();
	const response = await client.send(headBytes(request) > MAX_HEAD_BYTES ? { ...request, ownConnection: true } : request);
	tally.msByProcedure.set(procedure.path, (tally.msByProcedure.get(procedure.path) ?? 0) + performance.now() - sentAt);
	if (process.env.FUZZ_DEBUG) slowest.push([performance.now() - sentAt, `${procedure.path} as ${role.name} (${item.kind}) ${response.status}: ${describeRequest(request).slice(0, 300)}`]);
	tally.sent++;
	tally.kinds.add(item.kind.split(':')[0] ?? item.kind);
	const statusClass = response.status === null ? 'cut before an answer (16 KB head or 10 MB body)' : `${Math.floor(response.status / 100)}xx`;
	tally.byStatus.set(statusClass, (tally.byStatus.get(statusClass) ?? 0) + 1);
	// Node refuses request heads over 16 KB and may cut the socket before the 431 can be read.
	const mayDrop = item.mayDrop === true || headBytes(request) > MAX_HEAD_BYTES;
	const findings = inspectResponse(response, { echoes: item.echoes, secrets: [secret], mayDrop });
	if (countsAs5xx(findings)) tally.fiveXx++;
	for (const finding of findings) {
		tally.failures.push({ procedure: procedure.path, role: role.name, kind: item.kind, status: response.status, finding, request: describeRequest(request) });
	}
	if (role.account && endsSession(response)) role.dead = true;
}

async function fuzzRole(role: Role): Promise<void> {
	const hugeChosen = new Set(
		fc.sample(fc.shuffledSubarray(procedures.map((procedure) => procedure.path), { minLength: HUGE_PER_ROLE, maxLength: HUGE_PER_ROLE }), { seed: seedFor(role.name, 'huge'), numRuns: 1 })[0]
	);
	for (const procedure of procedures) {
		for (const item of casesFor(procedure, role, hugeChosen.has(procedure.path))) await run(procedure, role, item);
	}
}

// ---------------------------------------------------------------------------------------------
// Named regressions (issue 7, section 2), over the same HTTP path

async function call(role: Role, pathName: string, input: unknown): Promise<{ response: WireResponse; payload: unknown }> {
	const procedure = procedures.find((candidate) => candidate.path === pathName);
	if (!procedure) throw new Error(`no procedure ${pathName}`);
	const response = await client.send(callRequest(pathName, procedure.type, input === undefined ? undefined : encode(input), headersFor(role)));
	expect(inspectResponse(response, { echoes: stringsIn(input), secrets: [secret] })).toEqual([]);
	if (response.sse) {
		const event = sseEvents(response.body).find((candidate) => candidate.event !== 'connected');
		return { response, payload: event ? JSON.parse(event.data) : null };
	}
	return { response, payload: JSON.parse(response.body) };
}

function roleNamed(name: Role['name']): Role {
	const role = roles.find((candidate) => candidate.name === name);
	if (!role) throw new Error(`no role ${name}`);
	return role;
}

async function postRaw(role: Role, pathName: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number | null; connection: string | undefined; error: { message?: string; data?: { code?: string; fieldErrors?: unknown } } }> {
	const response = await client.send({ method: 'POST', path: `/api/trpc/${pathName}`, headers: headersFor(role, headers), body });
	expect(inspectResponse(response, { echoes: [], secrets: [secret] })).toEqual([]);
	const parsed: unknown = JSON.parse(response.body);
	const error = typeof parsed === 'object' && parsed !== null && 'error' in parsed && typeof parsed.error === 'object' && parsed.error !== null && 'json' in parsed.error ? parsed.error.json : null;
	return { status: response.status, connection: response.headers.connection, error: (error ?? {}) as { message?: string; data?: { code?: string; fieldErrors?: unknown } } };
}

describe(`hostile input over HTTP to the built server (${testEngine})`, () => {
	it('walks the router: every procedure is listed with its type', () => {
		expect(procedures.length).toBeGreaterThan(30);
		expect(new Set(procedures.map((procedure) => procedure.type))).toEqual(new Set(['query', 'mutation', 'subscription']));
		expect(procedures).toContainEqual(expect.objectContaining({ path: 'chat.shares.list', type: 'query' }));
		expect(procedures).toContainEqual(expect.objectContaining({ path: 'chat.stream', type: 'subscription' }));
		// The walk agrees with tRPC's own flat index of the router.
		expect(procedures.map((procedure) => procedure.path).sort()).toEqual(Object.keys(appRouter._def.procedures).sort());
	});

	describe('regressions from issue 7', () => {
		it('NUL in a message or a title is dropped, not a 500 (Postgres 22021)', async () => {
			const user = roleNamed('user');
			const sent = await call(user, 'chat.send', { content: 'hi\u0000there', sessionId: null });
			expect(sent.response.status).toBe(200);
			expect(JSON.stringify(sent.payload)).toContain('"content":"hithere"');
			const created = await call(user, 'chat.sessions.create', { title: 'ti\u0000tle' });
			expect(created.response.status).toBe(200);
			expect(JSON.stringify(created.payload)).toContain('"title":"title"');
		});

		it('a malformed token id is a 400 with a field error, not "invalid input syntax for type uuid"', async () => {
			const { response, payload } = await call(roleNamed('user'), 'account.apiTokens.revoke', { id: 'abc' });
			expect(response.status).toBe(400);
			expect(payload).toMatchObject({ error: { json: { message: 'id: Not a valid token id', data: { code: 'BAD_REQUEST', fieldErrors: { id: ['Not a valid token id'] } } } } });
		});

		it('190,000 CJK characters (570 KB) get a 413 that says what to do; a message just under the body limit is refused by its own cap', async () => {
			const user = roleNamed('user');
			const over = await postRaw(user, 'chat.send', JSON.stringify({ json: { content: '中'.repeat(190_000) } }));
			expect(over.status).toBe(413);
			expect(over.error).toMatchObject({ message: TOO_LARGE_MESSAGE, data: { code: 'PAYLOAD_TOO_LARGE' } });
			expect(over.error.message).not.toMatch(/Content-length|exceeds limit/);
			// 510 KB of JSON: inside the 512 KB body, over the message's 500 KB.
			const near = await call(user, 'chat.send', { content: '中'.repeat(170_000), sessionId: null });
			expect(near.response.status).toBe(400);
			expect(near.payload).toMatchObject({ error: { json: { message: `content: ${MESSAGE_TOO_LARGE}` } } });
			const tooLong = await call(user, 'chat.send', { content: 'a'.repeat(MAX_MESSAGE_CHARS + 1), sessionId: null });
			expect(tooLong.response.status).toBe(400);
		});

		it('the longest message without spaces is answered at once and the server stays responsive (counting its tokens froze the event loop)', async () => {
			const user = roleNamed('user');
			// 166,000 Chinese characters (498 KB) took the tokenizer minutes, longer than the client waits.
			// Counted first: more than the offline model's context, so refused in words.
			const longest = await call(user, 'chat.send', { content: '中'.repeat(166_000), sessionId: null });
			expect(longest.response.status).toBe(400);
			expect(longest.payload).toMatchObject({ error: { json: { message: expect.stringContaining('too long for this model') } } });
			expect(await healthStatus(server.base)).toBe(200);
			const fits = await call(user, 'chat.send', { content: '中'.repeat(5_000), sessionId: null });
			expect(fits.response.status).toBe(200);
		});

		it("chat.stream on a missing or someone else's answer is NOT_FOUND, and so is chat.shares.list on someone else's chat", async () => {
			const user = roleNamed('user');
			for (const messageId of [victimIds.answer, '00000000-0000-4000-8000-000000000000']) {
				const { payload } = await call(user, 'chat.stream', { messageId });
				expect(payload).toMatchObject({ json: { data: { code: 'NOT_FOUND', httpStatus: 404 } } });
			}
			const { response, payload } = await call(user, 'chat.shares.list', { id: victimIds.chat });
			expect(response.status).toBe(404);
			expect(payload).toMatchObject({ error: { json: { data: { code: 'NOT_FOUND' } } } });
		});

		it('a null body, 5,000-deep nesting and an unknown superjson class get a short sentence, never a JavaScript message', async () => {
			const user = roleNamed('user');
			const bodies = ['null', `{"json":${deepJsonText(5_000, false)}}`, '{"json":{"title":{}},"meta":{"values":{"title":[["class","Unregistered"]]}}}'];
			for (const body of bodies) {
				const refused = await postRaw(user, 'chat.sessions.create', body);
				expect(refused.status).toBe(400);
				expect(refused.error.message).toBe(UNREADABLE_MESSAGE);
			}
		});

		it("a zod failure's message is its first problem in one line; every field's errors stay in data for forms", async () => {
			const refused = await postRaw(roleNamed('user'), 'settings.update', JSON.stringify({ json: { theme: 'neon', temperature: 'hot', maxTokens: -5 } }));
			expect(refused.status).toBe(400);
			expect(refused.error.message).toMatch(/^theme: .+ \(and \d+ more problems\)$/);
			expect(refused.error.message).not.toMatch(/\n|\[|\{/);
			expect(refused.error.data?.fieldErrors).toMatchObject({ theme: expect.any(Array), temperature: expect.any(Array), maxTokens: expect.any(Array) });
		});

		it("an administrator's own chat procedures show and touch only their own chats (admin powers only in withAdminPowers)", async () => {
			const admin = roleNamed('admin');
			const list = await call(admin, 'chat.sessions.list', {});
			expect(list.response.status).toBe(200);
			expect(list.response.body).not.toContain(victimIds.chat);
			for (const [pathName, input] of [
				['chat.sessions.get', { id: victimIds.chat }],
				['chat.messages.list', { sessionId: victimIds.chat }],
				['chat.shares.list', { id: victimIds.chat }]
			] as const) {
				const { response } = await call(admin, pathName, input);
				expect(response.status, pathName).toBe(404);
			}
			for (const [pathName, input] of [
				['chat.export', { sessionId: victimIds.chat, format: 'json' }],
				['chat.shares.create', { id: victimIds.chat }],
				['chat.sessions.rename', { id: victimIds.chat, title: 'renamed by an admin' }],
				['chat.send', { sessionId: victimIds.chat, content: 'written by an admin' }]
			] as const) {
				const { response } = await call(admin, pathName, input);
				expect(response.status, pathName).toBe(404);
			}
		});

		it('a request refused before its body is read closes its connection, so the next request on it is not held up', async () => {
			const user = roleNamed('user');
			const unread = await client.send({ method: 'POST', path: '/api/trpc/chat.send', headers: { ...sameSite(), 'content-type': 'application/json' }, body: JSON.stringify({ json: { content: 'x'.repeat(300_000) } }) });
			expect(unread.status).toBe(401);
			expect(unread.headers.connection).toBe('close');
			const tooLarge = await postRaw(user, 'chat.send', JSON.stringify({ json: { content: 'x'.repeat(600_000) } }));
			expect(tooLarge.status).toBe(413);
			expect(tooLarge.connection).toBe('close');
			const read = await client.send({ method: 'POST', path: '/api/trpc/chat.sessions.create', headers: headersFor(user, { 'content-type': 'application/json' }), body: '{"json":{"title":"kept alive"}}' });
			expect(read.status).toBe(200);
			expect(read.headers.connection).toBe('keep-alive');
		});

		it('a cross-site post is refused before any procedure runs; the same post from this site goes through', async () => {
			const user = roleNamed('user');
			const body = JSON.stringify({ json: { title: 'from elsewhere' } });
			const crossSite = await client.send({ method: 'POST', path: '/api/trpc/chat.sessions.create', headers: { cookie: user.cookie ?? '', origin: 'http://evil.example', 'content-type': 'application/json', accept: 'application/json' }, body });
			expect(crossSite.status).toBe(403);
			expect(JSON.parse(crossSite.body)).toEqual({ message: 'Cross-site API requests are not allowed' });
			const sameSitePost = await client.send({ method: 'POST', path: '/api/trpc/chat.sessions.create', headers: headersFor(user, { 'content-type': 'application/json' }), body });
			expect(sameSitePost.status).toBe(200);
		});
	});

	it('fuzz: every procedure, every role, hostile inputs from a fixed seed: no 5xx, no internals, nothing of the victim', { timeout: 240_000 }, async () => {
		const started = performance.now();
		await Promise.all(roles.map((role) => fuzzRole(role)));
		const seconds = (performance.now() - started) / 1000;
		const types = procedures.reduce<Record<string, number>>((counts, procedure) => ({ ...counts, [procedure.type]: (counts[procedure.type] ?? 0) + 1 }), {});
		console.log(
			[
				`[fuzz ${testEngine}] seed ${SEED}, ${RUNS} schema-shaped inputs per procedure and role`,
				`  procedures covered: ${procedures.length} (${Object.entries(types).map(([type, count]) => `${count} ${type}`).join(', ')}) × ${roles.length} roles (${roles.map((role) => role.name).join(', ')})`,
				`  inputs sent: ${tally.sent} in ${seconds.toFixed(1)} s (${Math.round(tally.sent / seconds)}/s); kinds: ${[...tally.kinds].join(', ')}`,
				`  responses: ${[...tally.byStatus].sort().map(([status, count]) => `${status} ${count}`).join(', ')}`,
				`  slowest: ${[...tally.msByProcedure].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([name, total]) => `${name} ${(total / 1000).toFixed(1)} s`).join(', ')}`,
				`  administrators only: ${adminOnly.size ? [...adminOnly].join(', ') : 'none'}`,
				`  5xx: ${tally.fiveXx}; findings: ${tally.failures.length}; sessions renewed after sign-out or revocation: ${roles.map((role) => `${role.name} ${role.renewals}`).join(', ')}`
			].join('\n')
		);
		if (process.env.FUZZ_DEBUG) console.log(slowest.sort((a, b) => b[0] - a[0]).slice(0, 15).map(([ms, what]) => `${Math.round(ms)} ms ${what}`).join('\n'));
		const report = tally.failures.slice(0, 25).map((failure) => `${failure.finding.kind} ${failure.procedure} as ${failure.role} (${failure.kind}, HTTP ${failure.status}): ${failure.finding.detail}\n    ${failure.request}`);
		expect(report, `${tally.failures.length} findings`).toEqual([]);
		expect(tally.fiveXx).toBe(0);
	});

	it('afterwards the server is healthy and answers a normal call', async () => {
		expect(await healthStatus(server.base)).toBe(200);
		const user = roleNamed('user');
		if (user.dead) await renew(user);
		const me = await call(user, 'auth.me', undefined);
		expect(me.payload).toMatchObject({ result: { data: { json: { id: member.user.id } } } });
		const chats = await call(user, 'chat.sessions.list', {});
		expect(chats.response.status).toBe(200);
	});

	it("not one of the victim's rows changed, and the server logged no failure", async () => {
		const exitCode = await server.stop();
		if (process.env.FUZZ_DEBUG) console.log(server.output().slice(-20_000));
		expect(exitCode).toBe(0);
		const failures = server
			.output()
			.split('\n')
			.filter((line) => /"level":(50|60)|unhandled error|procedure failed/.test(line));
		expect(failures.slice(0, 10)).toEqual([]);
		const db = await database.reopen();
		const after = await snapshotUserRows(db, victim.user.id);
		console.log(`[fuzz ${testEngine}] victim rows compared: ${rowCount(victimBefore)} in ${Object.values(victimBefore).filter((rows) => rows.length > 0).length} tables; total ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
		expect(rowCount(victimBefore)).toBeGreaterThan(8);
		expect(after).toEqual(victimBefore);
	});
});

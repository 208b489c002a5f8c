import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { validateSessionToken } from '../../src/lib/server/auth/session.service';
import { whenGenerationsSettled } from '../../src/lib/server/chat/answer/generate';
import { forgetAllowedModels } from '../../src/lib/server/chat/models.service';
import { createServices, providerLookup } from '../../src/lib/server/services';
import { createInnerContext } from '../../src/lib/server/trpc/context';
import { appRouter } from '../../src/lib/server/trpc/router';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai-server';
import { callerForToken, signedUpCaller } from '../support/callers';
import { createTestDatabase, testEngine, type TestDatabase } from '../support/test-database';

// Before any module reads the environment: models' API keys are encrypted under this.
vi.hoisted(() => {
	process.env.MODEL_KEYS_SECRET = 'a'.repeat(64);
});

const services = createServices({ providers: providerLookup({ timeouts: { firstTokenMs: 2_000, idleMs: 2_000 }, retry: { maxRetries: 0, baseDelayMs: 10, maxDelayMs: 30, maxRetryAfterMs: 100 } }) });

let test: TestDatabase;
let llm: FakeOpenAI;
type Member = Awaited<ReturnType<typeof signedUpCaller>>;
let admin: Member;
let member: Member;

beforeAll(async () => {
	test = await createTestDatabase({ poolSize: 12 });
	llm = await startFakeOpenAI({ apiKey: 'model-own-key' });
	// The first account administers the instance.
	admin = await signedUpCaller(test.db, 'site-admin', undefined, services);
	member = await signedUpCaller(test.db, 'member', undefined, services);
	forgetAllowedModels();
});
afterAll(async () => {
	await llm.close();
	await test.dispose();
});

const auditRows = (targetId?: string) => test.db.prisma.adminAuditLog.findMany({ where: targetId ? { targetId } : {}, orderBy: { id: 'asc' } });

const chatModel = {
	displayName: 'Local Llama',
	provider: 'openai-compatible' as const,
	modelType: 'chat' as const,
	contextWindow: 8192,
	maxTokens: 512,
	temperature: 0.5,
	topP: null,
	inputPricePer1m: '0.10',
	outputPricePer1m: '0.20',
	allowedTiers: ['pro' as const],
	description: 'A model on our own server',
	isActive: true
};

/** 'query' or 'mutation', read from a procedure of the flattened router. */
function procedureType(procedure: unknown): string {
	const def: unknown = typeof procedure === 'function' && '_def' in procedure ? procedure._def : null;
	return typeof def === 'object' && def !== null && 'type' in def ? String(def.type) : 'unknown';
}

/** Calls a procedure over HTTP the way a browser does, as `token`'s user or anonymously. */
async function httpCall(path: string, type: string, token: string | null): Promise<{ status: number; code: string | undefined }> {
	const validated = token ? await validateSessionToken(test.db, token) : null;
	const input = encodeURIComponent(JSON.stringify({ json: {} }));
	const request =
		type === 'query'
			? new Request(`http://localhost/api/trpc/${path}?input=${input}`)
			: new Request(`http://localhost/api/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ json: {} }) });
	const response = await fetchRequestHandler({
		endpoint: '/api/trpc',
		req: request,
		router: appRouter,
		createContext: () => createInnerContext({ db: test.db, user: validated?.user ?? null, session: validated?.session ?? null, services })
	});
	const body: unknown = await response.json();
	const code = typeof body === 'object' && body !== null && 'error' in body ? JSON.stringify(body.error).match(/"code":"([A-Z_]+)"/)?.[1] : undefined;
	return { status: response.status, code };
}

describe('the admin API', () => {
	const adminProcedures = Object.entries(appRouter._def.procedures).filter(([path]) => path.startsWith('admin.'));

	it('covers the contract of the issue', () => {
		const paths = adminProcedures.map(([path]) => path);
		for (const expected of [
			'admin.models.list',
			'admin.models.create',
			'admin.models.update',
			'admin.models.delete',
			'admin.models.setDefault',
			'admin.models.test',
			'admin.tiers.list',
			'admin.tiers.update',
			'admin.users.list',
			'admin.users.get',
			'admin.users.update',
			'admin.users.setOverrides',
			'admin.audit.list'
		]) {
			expect(paths).toContain(expected);
		}
	});

	it('is FORBIDDEN to a signed-in user and to anonymous callers, procedure by procedure (walked from the router)', async () => {
		expect(adminProcedures.length).toBeGreaterThanOrEqual(13);
		for (const [path, procedure] of adminProcedures) {
			const type = procedureType(procedure);
			expect(['query', 'mutation']).toContain(type);
			for (const token of [member.token, null]) {
				const result = await httpCall(path, type, token);
				expect({ path, anonymous: token === null, ...result }).toEqual({ path, anonymous: token === null, status: 403, code: 'FORBIDDEN' });
			}
		}
		// An admin gets through the same door (a query with its defaults).
		expect((await httpCall('admin.models.list', 'query', admin.token)).status).toBe(200);
	});
});

describe('model configurations', () => {
	it('creates, edits, makes default and deletes, each with one audit row holding before and after', async () => {
		const before = (await auditRows()).length;
		const created = await admin.caller.admin.models.create({ ...chatModel, modelName: 'llama-local', baseUrl: llm.url, apiKey: 'model-own-key' });
		expect(created).toMatchObject({ modelName: 'llama-local', apiKeySet: true, allowedTiers: ['pro'], inputPricePer1m: '0.100000' });
		// The key is stored encrypted and never comes back.
		const stored = await test.db.prisma.modelConfiguration.findUniqueOrThrow({ where: { id: created.id } });
		expect(stored.apiKeyCiphertext).toMatch(/^v1:/);
		expect(stored.apiKeyCiphertext).not.toContain('model-own-key');
		expect(JSON.stringify(await admin.caller.admin.models.list())).not.toContain('model-own-key');

		const updated = await admin.caller.admin.models.update({ id: created.id, allowedTiers: ['free', 'pro'], displayName: 'Llama (local)' });
		expect(updated.allowedTiers).toEqual(['free', 'pro']);
		await admin.caller.admin.models.setDefault({ id: created.id });

		const rows = (await auditRows(created.id)).map((row) => ({ action: row.action, actor: row.actorEmail, before: row.before, after: row.after, targetLabel: row.targetLabel }));
		expect(rows).toHaveLength(3);
		expect(rows[0]).toMatchObject({ action: 'model.create', actor: admin.email, before: null, after: { modelName: 'llama-local', apiKeySet: true, allowedTiers: ['pro'] } });
		expect(JSON.stringify(rows)).not.toContain('model-own-key');
		expect(rows[1]).toMatchObject({
			action: 'model.update',
			before: { displayName: 'Local Llama', allowedTiers: ['pro'] },
			after: { displayName: 'Llama (local)', allowedTiers: ['free', 'pro'] }
		});
		expect(rows[2]).toMatchObject({ action: 'model.set_default', before: { isDefault: false, previousDefault: 'gpt-4o-mini' }, after: { isDefault: true } });
		expect((await auditRows()).length).toBe(before + 3);

		// The site default can't be deleted; once another is the default, it can.
		await expect(admin.caller.admin.models.delete({ id: created.id })).rejects.toMatchObject({ code: 'CONFLICT', message: /default chat model/ });
		const mini = await test.db.prisma.modelConfiguration.findUniqueOrThrow({ where: { modelName: 'gpt-4o-mini' } });
		await admin.caller.admin.models.setDefault({ id: mini.id });
		await admin.caller.admin.models.delete({ id: created.id });
		const deleted = (await auditRows(created.id)).at(-1);
		expect(deleted).toMatchObject({ action: 'model.delete', after: null, before: { modelName: 'llama-local' } });
	});

	it('refuses to delete a model that is someone’s default, offering to disable it', async () => {
		const model = await test.db.prisma.modelConfiguration.findUniqueOrThrow({ where: { modelName: 'gpt-4.1-mini' } });
		await member.caller.settings.update({ theme: 'system', defaultModel: 'gpt-4.1-mini', temperature: 0.7, maxTokens: 2048, systemPrompt: null, useKnowledgeBase: true, language: 'en' });
		const rowsBefore = (await auditRows(model.id)).length;
		await expect(admin.caller.admin.models.delete({ id: model.id })).rejects.toMatchObject({ code: 'CONFLICT', message: /One person has GPT-4.1 mini as their default model.*Disable it instead/ });
		expect((await auditRows(model.id)).length).toBe(rowsBefore);
		const disabled = await admin.caller.admin.models.update({ id: model.id, isActive: false });
		expect(disabled).toMatchObject({ isActive: false, defaultForUsers: 1 });
	});

	it('refuses to remove the last active chat model, and leaves no audit row for a refused change', async () => {
		const chats = await test.db.prisma.modelConfiguration.findMany({ where: { modelType: 'chat', isActive: true }, orderBy: { modelName: 'asc' } });
		const [last, ...others] = chats;
		if (!last) throw new Error('no chat model');
		await test.db.prisma.modelConfiguration.updateMany({ where: { id: { in: others.map((model) => model.id) } }, data: { isActive: false } });
		const rows = (await auditRows()).length;
		try {
			await expect(admin.caller.admin.models.update({ id: last.id, isActive: false })).rejects.toMatchObject({ code: 'CONFLICT', message: /only active chat model/ });
			await expect(admin.caller.admin.models.delete({ id: last.id })).rejects.toMatchObject({ code: 'CONFLICT', message: /only active chat model/ });
			expect((await auditRows()).length).toBe(rows);
		} finally {
			await test.db.prisma.modelConfiguration.updateMany({ where: { id: { in: others.map((model) => model.id) } }, data: { isActive: true } });
		}
	});

	it('validates in words: a duplicate id, an OpenAI-compatible model without a URL', async () => {
		await expect(admin.caller.admin.models.create({ ...chatModel, modelName: 'gpt-4o', baseUrl: llm.url })).rejects.toMatchObject({ code: 'CONFLICT', message: /already exists/ });
		await expect(admin.caller.admin.models.create({ ...chatModel, modelName: 'no-url', baseUrl: null })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: /base URL/ });
	});

	it('Test makes one governed call with the model’s own key, and reports an upstream error in words', async () => {
		const model = await admin.caller.admin.models.create({ ...chatModel, modelName: 'gpt-4o-mini-tested', baseUrl: llm.url, apiKey: 'model-own-key', isActive: false });
		llm.reset();
		const passed = await admin.caller.admin.models.test({ id: model.id });
		expect(passed).toMatchObject({ ok: true, message: expect.stringMatching(/^Answered “/) });
		expect(passed.latencyMs).toBeGreaterThanOrEqual(0);
		const [request] = llm.requests;
		expect(request?.headers.authorization).toBe('Bearer model-own-key');
		expect(request?.body).toMatchObject({ model: 'gpt-4o-mini-tested', max_tokens: 1 });
		const logged = await test.db.prisma.apiUsageLog.findMany({ where: { userId: admin.user.id, endpoint: 'model.test' } });
		expect(logged).toHaveLength(1);
		expect(logged[0]).toMatchObject({ status: 'success', model: 'gpt-4o-mini-tested' });

		await admin.caller.admin.models.update({ id: model.id, apiKey: 'a-wrong-key' });
		const failed = await admin.caller.admin.models.test({ id: model.id });
		expect(failed.ok).toBe(false);
		expect(failed.message).toMatch(/key/i);
		expect(failed.message).not.toContain('a-wrong-key');
		expect(await test.db.prisma.apiUsageLog.count({ where: { userId: admin.user.id, endpoint: 'model.test', status: 'error' } })).toBe(1);
	});
});

describe('tiers and users', () => {
	it('a tier edit changes what its users may use at once, with its audit row', async () => {
		const before = await test.db.prisma.tierLimit.findUniqueOrThrow({ where: { tier: 'free' } });
		expect((await member.caller.chat.models()).models.map((model) => model.modelName)).toContain('gpt-4o-mini');
		const updated = await admin.caller.admin.tiers.update({
			tier: 'free',
			requestsPerMinute: 5,
			requestsPerDay: before.requestsPerDay,
			tokensPerDay: Number(before.tokensPerDay),
			monthlyCostCapUsd: '2.50',
			maxKnowledgeDocuments: before.maxKnowledgeDocuments,
			maxKnowledgeDocumentMb: before.maxKnowledgeDocumentMb,
			allowedModels: ['offline', 'gpt-4o-mini']
		});
		expect(updated).toMatchObject({ tier: 'free', requestsPerMinute: 5, monthlyCostCapUsd: '2.5', allowedModels: ['offline', 'gpt-4o-mini'] });
		expect((await member.caller.chat.models()).models.map((model) => model.modelName).sort()).toEqual(['gpt-4o-mini', 'offline']);
		expect((await member.caller.usage.me()).limits.find((limit) => limit.kind === 'requests_per_minute')?.limit).toBe(5);
		const row = (await auditRows('free')).at(-1);
		expect(row).toMatchObject({ action: 'tier.update', before: { requestsPerMinute: 10, monthlyCostCapUsd: '1.000000', allowedModels: [] }, after: { requestsPerMinute: 5, monthlyCostCapUsd: '2.500000' } });
		await admin.caller.admin.tiers.update({ tier: 'free', requestsPerMinute: 10, requestsPerDay: before.requestsPerDay, tokensPerDay: Number(before.tokensPerDay), monthlyCostCapUsd: '1.00', maxKnowledgeDocuments: before.maxKnowledgeDocuments, maxKnowledgeDocumentMb: before.maxKnowledgeDocumentMb, allowedModels: [] });
	});

	it('the change and its audit row commit together: if the audit row can’t be written, the change is undone', async () => {
		await test.db.withSession((session) =>
			session.exec(`
				create function pg_temp_refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit unavailable'; end $$;
				create trigger refuse_audit before insert on public.admin_audit_log for each row when (new.target_id = 'basic') execute function pg_temp_refuse_audit();`)
		);
		try {
			const before = await test.db.prisma.tierLimit.findUniqueOrThrow({ where: { tier: 'basic' } });
			await expect(
				admin.caller.admin.tiers.update({ tier: 'basic', requestsPerMinute: 1, requestsPerDay: null, tokensPerDay: null, monthlyCostCapUsd: null, maxKnowledgeDocuments: null, maxKnowledgeDocumentMb: null, allowedModels: [] })
			).rejects.toThrow();
			expect(await test.db.prisma.tierLimit.findUniqueOrThrow({ where: { tier: 'basic' } })).toEqual(before);
		} finally {
			await test.db.withSession((session) => session.exec('drop trigger refuse_audit on public.admin_audit_log; drop function pg_temp_refuse_audit();'));
		}
	});

	it('lists users with search, sort and keyset paging, and this month’s usage', async () => {
		const extra = await Promise.all(['pager-a', 'pager-b', 'pager-c'].map((name) => signedUpCaller(test.db, name, undefined, services)));
		await extra[1]?.caller.chat.send({ content: 'hello', model: 'offline' });
		await whenGenerationsSettled();
		const first = await admin.caller.admin.users.list({ search: 'pager-', sort: 'email', direction: 'asc', limit: 2 });
		expect(first.users.map((user) => user.email)).toEqual(extra.slice(0, 2).map((user) => user.email));
		expect(first.nextCursor).not.toBeNull();
		const second = await admin.caller.admin.users.list({ search: 'pager-', sort: 'email', direction: 'asc', limit: 2, cursor: first.nextCursor ?? undefined });
		expect(second.users.map((user) => user.email)).toEqual([extra[2]?.email]);
		expect(second.nextCursor).toBeNull();

		const byRequests = await admin.caller.admin.users.list({ search: 'pager-', sort: 'monthRequests', direction: 'desc', limit: 1 });
		expect(byRequests.users[0]).toMatchObject({ email: extra[1]?.email, monthRequests: expect.any(Number) });
		expect(byRequests.users[0]?.monthRequests).toBeGreaterThanOrEqual(1);
		const rest = await admin.caller.admin.users.list({ search: 'pager-', sort: 'monthRequests', direction: 'desc', limit: 5, cursor: byRequests.nextCursor ?? undefined });
		expect(rest.users).toHaveLength(2);
		expect(rest.users.map((user) => user.email)).not.toContain(extra[1]?.email);

		await expect(admin.caller.admin.users.list({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
	});

	it('changes a user’s tier, sets overrides, disables (ending sessions) and re-enables, each audited', async () => {
		const target = await signedUpCaller(test.db, 'target', undefined, services);
		await admin.caller.admin.users.update({ id: target.user.id, tier: 'pro' });
		expect((await target.caller.usage.me()).tier).toBe('pro');
		expect((await target.caller.chat.models()).models.map((model) => model.modelName)).toContain('gpt-5');

		await admin.caller.admin.users.setOverrides({ id: target.user.id, requestsPerMinute: 2, requestsPerDay: null, tokensPerDay: null, monthlyCostCapUsd: null, maxKnowledgeDocuments: null, maxKnowledgeDocumentMb: null, allowedModels: [], note: 'pilot' });
		expect((await target.caller.usage.me()).limits.find((limit) => limit.kind === 'requests_per_minute')).toMatchObject({ limit: 2, overridden: true });

		await admin.caller.admin.users.update({ id: target.user.id, disabled: true });
		expect(await validateSessionToken(test.db, target.token)).toBeNull();
		await admin.caller.admin.users.update({ id: target.user.id, disabled: false });

		const detail = await admin.caller.admin.users.get({ id: target.user.id });
		expect(detail).toMatchObject({ user: { tier: 'pro', disabled: false }, overrides: { requestsPerMinute: 2, note: 'pilot' } });
		expect(detail.history).toHaveLength(30);

		const rows = (await auditRows(target.user.id)).map((row) => ({ action: row.action, before: row.before, after: row.after }));
		expect(rows).toEqual([
			{ action: 'user.update', before: { tier: 'free', role: 'user', disabled: false }, after: { tier: 'pro', role: 'user', disabled: false } },
			{ action: 'user.set_overrides', before: null, after: expect.objectContaining({ requestsPerMinute: 2, note: 'pilot' }) },
			{ action: 'user.update', before: { tier: 'pro', role: 'user', disabled: false }, after: { tier: 'pro', role: 'user', disabled: true } },
			{ action: 'user.update', before: { tier: 'pro', role: 'user', disabled: true }, after: { tier: 'pro', role: 'user', disabled: false } }
		]);
	});

	it('the last administrator can be neither demoted nor disabled, and the refusal leaves no audit row', async () => {
		const rows = (await auditRows(admin.user.id)).length;
		await expect(admin.caller.admin.users.update({ id: admin.user.id, role: 'user' })).rejects.toMatchObject({ code: 'CONFLICT', message: /last administrator/ });
		await expect(admin.caller.admin.users.update({ id: admin.user.id, disabled: true })).rejects.toMatchObject({ code: 'CONFLICT', message: /last administrator/ });
		expect((await auditRows(admin.user.id)).length).toBe(rows);
		expect((await test.db.prisma.profile.findUniqueOrThrow({ where: { id: admin.user.id } })).role).toBe('admin');
	});

	it.runIf(testEngine === 'native')('two admins demoting each other at the same moment: one succeeds, one admin remains', async () => {
		const second = await signedUpCaller(test.db, 'second-admin', undefined, services);
		await admin.caller.admin.users.update({ id: second.user.id, role: 'admin' });
		// Signed in again, so the session carries the new role.
		const secondAdmin = await callerForToken(test.db, second.token, second.jar, services);
		const results = await Promise.allSettled([
			admin.caller.admin.users.update({ id: second.user.id, role: 'user' }),
			secondAdmin.admin.users.update({ id: admin.user.id, role: 'user' })
		]);
		expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
		expect(results.find((result) => result.status === 'rejected')).toMatchObject({ reason: { code: expect.stringMatching(/CONFLICT|FORBIDDEN/) } });
		expect(await test.db.prisma.profile.count({ where: { role: 'admin' } })).toBe(1);
		// Whoever remains is made the only admin again, for the tests after this one.
		const remaining = await test.db.prisma.profile.findFirstOrThrow({ where: { role: 'admin' } });
		if (remaining.id !== admin.user.id) await test.db.prisma.profile.update({ where: { id: admin.user.id }, data: { role: 'admin' } });
	});
});

describe('the audit log', () => {
	it('lists newest first with filters and paging, and is append-only for the app’s roles', async () => {
		const page = await admin.caller.admin.audit.list({ limit: 2 });
		expect(page.entries).toHaveLength(2);
		expect(BigInt(page.entries[0]?.id ?? 0)).toBeGreaterThan(BigInt(page.entries[1]?.id ?? 0));
		const next = await admin.caller.admin.audit.list({ limit: 2, cursor: page.nextCursor ?? undefined });
		expect(BigInt(next.entries[0]?.id ?? 0)).toBeLessThan(BigInt(page.entries[1]?.id ?? 0));
		const tiers = await admin.caller.admin.audit.list({ targetType: 'tier' });
		expect(tiers.entries.every((entry) => entry.targetType === 'tier')).toBe(true);
		const modelUpdates = await admin.caller.admin.audit.list({ action: 'model' });
		expect(modelUpdates.entries.length).toBeGreaterThan(0);
		expect(modelUpdates.entries.every((entry) => entry.action.startsWith('model.'))).toBe(true);

		// As the signed-in admin, through row level security and grants: no update, no delete.
		const asAdminRole = (sql: string) =>
			test.db.prisma.$transaction(async (tx) => {
				await tx.$queryRaw`select set_config('request.jwt.claim.sub', ${admin.user.id}, true), set_config('role', 'authenticated', true)`;
				return tx.$executeRawUnsafe(sql);
			});
		await expect(asAdminRole(`update public.admin_audit_log set action = 'model.nothing'`)).rejects.toThrow(/permission denied/);
		await expect(asAdminRole('delete from public.admin_audit_log')).rejects.toThrow(/permission denied/);
		// A user can't read it, or write a row pretending to be the admin.
		const asMember = (sql: string) =>
			test.db.prisma.$transaction(async (tx) => {
				await tx.$queryRaw`select set_config('request.jwt.claim.sub', ${member.user.id}, true), set_config('role', 'authenticated', true)`;
				return tx.$queryRawUnsafe<unknown[]>(sql);
			});
		expect(await asMember('select * from public.admin_audit_log')).toEqual([]);
		await expect(
			asMember(`insert into public.admin_audit_log (actor_id, actor_email, action, target_type, target_id) values ('${admin.user.id}', 'x', 'user.update', 'user', 'x') returning id`)
		).rejects.toThrow(/row-level security/);
	});
});

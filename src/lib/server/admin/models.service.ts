import { randomUUID } from 'node:crypto';
import type { AdminModel, ModelTestResult } from '$lib/admin/types';
import { MODEL_PROVIDERS, MODEL_TYPES, USER_TIERS, type CreateModelInput, type ModelFields, type UpdateModelInput } from '$lib/schemas/admin';
import { ProviderError } from '../ai/provider';
import { chatRequestFor } from '../ai/provider-registry';
import { encryptSecret, secretKeyFrom } from '../ai/secret-box';
import { countChatTokens } from '../ai/token-count';
import type { Database } from '../db';
import type { ModelConfiguration, Prisma } from '../db/generated/client';
import { EMBEDDING_DIMENSIONS } from '../db/vector';
import { env } from '../env';
import { AppError, errorMessage } from '../errors';
import type { AppServices } from '../services';
import { governedCall } from '../usage/governed-call';
import { asAdmin } from './admin-tx';
import { recordAdminChange, type AdminActor, type AuditSnapshot } from './audit.repo';
import { isUniqueViolation } from './db-errors';
import {
	defaultUserCounts,
	deleteModelRow,
	insertModelRow,
	lockedModelRow,
	makeDefaultModel,
	modelRowById,
	modelRowByName,
	modelRows,
	otherActiveChatModels,
	updateModelRow,
	usersDefaultingTo
} from './models.repo';

export interface AdminDeps {
	db: Database;
	services: AppServices;
}

const byValue =
	<T extends string>(values: readonly T[], fallback: T) =>
	(value: string): T =>
		values.find((candidate) => candidate === value) ?? fallback;
const toProvider = byValue(MODEL_PROVIDERS, 'openai');
const toModelType = byValue(MODEL_TYPES, 'chat');
const toTier = byValue(USER_TIERS, 'free');

export function toAdminModel(row: ModelConfiguration, defaultForUsers = 0): AdminModel {
	return {
		id: row.id,
		modelName: row.modelName,
		displayName: row.displayName,
		provider: toProvider(row.provider),
		modelType: toModelType(row.modelType),
		baseUrl: row.baseUrl,
		contextWindow: row.contextWindow,
		maxTokens: row.maxTokens,
		temperature: row.temperature?.toNumber() ?? null,
		topP: row.topP?.toNumber() ?? null,
		inputPricePer1m: row.inputPricePer1m.toFixed(6),
		outputPricePer1m: row.outputPricePer1m.toFixed(6),
		allowedTiers: row.allowedTiers.map((tier) => toTier(tier)),
		description: row.description,
		isActive: row.isActive,
		isDefault: row.isDefault,
		apiKeySet: row.apiKeyCiphertext !== null,
		defaultForUsers,
		updatedAt: row.updatedAt
	};
}

/** The audit log's copy of a model: every setting, and only whether a key is set. */
function snapshotOf(row: ModelConfiguration): AuditSnapshot {
	const { defaultForUsers: _ignored, updatedAt, ...model } = toAdminModel(row);
	return { ...model, allowedTiers: [...model.allowedTiers], updatedAt: updatedAt.toISOString() };
}

export async function listModels(db: Database, actor: AdminActor): Promise<AdminModel[]> {
	return asAdmin(db, actor, async (tx) => {
		const counts = await defaultUserCounts(tx);
		return (await modelRows(tx)).map((row) => toAdminModel(row, counts.get(row.modelName) ?? 0));
	});
}

/** What must hold for any model, new or edited; says which field is wrong. */
function checkConsistent(model: ModelFields, hasOwnKey: boolean): void {
	if (model.provider === 'openai-compatible' && !model.baseUrl && !env().OPENAI_BASE_URL) {
		throw new AppError('BAD_REQUEST', 'An OpenAI-compatible model needs the server’s base URL (OPENAI_BASE_URL is not set).', { field: 'baseUrl' });
	}
	if (model.provider === 'offline' && (model.baseUrl || hasOwnKey)) {
		throw new AppError('BAD_REQUEST', 'The offline assistant runs inside AirAssist: it takes no base URL or API key.', { field: 'provider' });
	}
	if (model.modelType === 'chat' && model.maxTokens === null) {
		throw new AppError('BAD_REQUEST', 'Set the most tokens one answer may have.', { field: 'maxTokens' });
	}
	if (model.maxTokens !== null && model.maxTokens > model.contextWindow) {
		throw new AppError('BAD_REQUEST', 'The most tokens per answer cannot exceed the context window.', { field: 'maxTokens' });
	}
}

function fieldsOf(row: ModelConfiguration): ModelFields {
	const model = toAdminModel(row);
	return {
		modelName: model.modelName,
		displayName: model.displayName,
		provider: model.provider,
		modelType: model.modelType,
		baseUrl: model.baseUrl,
		contextWindow: model.contextWindow,
		maxTokens: model.maxTokens,
		temperature: model.temperature,
		topP: model.topP,
		inputPricePer1m: model.inputPricePer1m,
		outputPricePer1m: model.outputPricePer1m,
		allowedTiers: model.allowedTiers,
		description: model.description,
		isActive: model.isActive
	};
}

function dataOf(fields: Partial<ModelFields>): Prisma.ModelConfigurationUpdateInput {
	return {
		modelName: fields.modelName,
		displayName: fields.displayName,
		provider: fields.provider,
		modelType: fields.modelType,
		baseUrl: fields.baseUrl,
		contextWindow: fields.contextWindow,
		maxTokens: fields.maxTokens,
		temperature: fields.temperature,
		topP: fields.topP,
		inputPricePer1m: fields.inputPricePer1m,
		outputPricePer1m: fields.outputPricePer1m,
		allowedTiers: fields.allowedTiers ? [...new Set(fields.allowedTiers)] : undefined,
		description: fields.description,
		isActive: fields.isActive
	};
}

const duplicateName = (modelName: string, cause?: unknown) =>
	new AppError('CONFLICT', `A model with the id “${modelName}” already exists.`, { field: 'modelName', cause });

export async function createModel(db: Database, actor: AdminActor, input: CreateModelInput): Promise<AdminModel> {
	const { apiKey, ...fields } = input;
	checkConsistent(fields, Boolean(apiKey));
	const id = randomUUID();
	const apiKeyCiphertext = apiKey ? encryptSecret(secretKeyFrom(env().MODEL_KEYS_SECRET), apiKey, id) : null;
	try {
		return await asAdmin(
			db,
			actor,
			async (tx) => {
				if (await modelRowByName(tx, fields.modelName)) throw duplicateName(fields.modelName);
				const row = await insertModelRow(tx, { id, ...fields, allowedTiers: [...new Set(fields.allowedTiers)], apiKeyCiphertext });
				await recordAdminChange(tx, actor, { action: 'model.create', targetType: 'model', targetId: row.id, targetLabel: row.modelName, before: null, after: snapshotOf(row) });
				return toAdminModel(row);
			},
			{ affectsModels: true }
		);
	} catch (error) {
		if (!(error instanceof AppError) && isUniqueViolation(error)) throw duplicateName(fields.modelName, error);
		throw error;
	}
}

const notFound = () => new AppError('NOT_FOUND', 'That model no longer exists.');

export async function updateModel(db: Database, actor: AdminActor, input: UpdateModelInput): Promise<AdminModel> {
	const { id, apiKey, ...changes } = input;
	try {
		return await asAdmin(
			db,
			actor,
			async (tx) => {
				const before = await lockedModelRow(tx, id);
				if (!before) throw notFound();
				// Absent fields are absent keys (JSON has no undefined): they keep their values.
				const next = { ...fieldsOf(before), ...changes };
				const keepsKey = apiKey === undefined ? before.apiKeyCiphertext !== null : apiKey !== null;
				checkConsistent(next, keepsKey);
				const leavesChat = before.modelType === 'chat' && before.isActive && (!next.isActive || next.modelType !== 'chat');
				if (leavesChat && (await otherActiveChatModels(tx, before.id)) === 0) {
					throw new AppError('CONFLICT', `${before.displayName} is the only active chat model: people could not chat without it. Add or enable another chat model first.`);
				}
				if (next.modelName !== before.modelName && (await modelRowByName(tx, next.modelName))) throw duplicateName(next.modelName);
				const apiKeyCiphertext =
					apiKey === undefined ? undefined : apiKey === null ? null : encryptSecret(secretKeyFrom(env().MODEL_KEYS_SECRET), apiKey, before.id);
				const after = await updateModelRow(tx, before.id, { ...dataOf(changes), apiKeyCiphertext });
				await recordAdminChange(tx, actor, {
					action: 'model.update',
					targetType: 'model',
					targetId: before.id,
					targetLabel: after.modelName,
					before: snapshotOf(before),
					after: { ...snapshotOf(after), ...(apiKey !== undefined ? { apiKeyChanged: true } : {}) }
				});
				return toAdminModel(after, await usersDefaultingTo(tx, after.modelName));
			},
			{ affectsModels: true }
		);
	} catch (error) {
		if (!(error instanceof AppError) && isUniqueViolation(error)) throw duplicateName(changes.modelName ?? '', error);
		throw error;
	}
}

/**
 * Deleting is refused while the model is in use in a way that would surprise people: it is the
 * last active chat model, the site default, or someone's chosen default. Disabling is the way
 * then: it disappears from pickers and people fall back to the default.
 */
export async function deleteModel(db: Database, actor: AdminActor, id: string): Promise<{ deleted: true }> {
	return asAdmin(
		db,
		actor,
		async (tx) => {
			const before = await lockedModelRow(tx, id);
			if (!before) throw notFound();
			if (before.modelType === 'chat' && before.isActive && (await otherActiveChatModels(tx, before.id)) === 0) {
				throw new AppError('CONFLICT', `${before.displayName} is the only active chat model: people could not chat without it. Add or enable another chat model first.`);
			}
			if (before.isDefault) {
				throw new AppError('CONFLICT', `${before.displayName} is the default ${before.modelType} model. Make another model the default first, or disable this one instead.`);
			}
			const users = await usersDefaultingTo(tx, before.modelName);
			if (users > 0) {
				throw new AppError(
					'CONFLICT',
					`${users === 1 ? 'One person has' : `${users} people have`} ${before.displayName} as their default model, so it can't be deleted. Disable it instead: they then get the site default.`
				);
			}
			await deleteModelRow(tx, before.id);
			await recordAdminChange(tx, actor, { action: 'model.delete', targetType: 'model', targetId: before.id, targetLabel: before.modelName, before: snapshotOf(before), after: null });
			return { deleted: true as const };
		},
		{ affectsModels: true }
	);
}

export async function setDefaultModel(db: Database, actor: AdminActor, id: string): Promise<AdminModel> {
	return asAdmin(
		db,
		actor,
		async (tx) => {
			const before = await lockedModelRow(tx, id);
			if (!before) throw notFound();
			if (!before.isActive) throw new AppError('BAD_REQUEST', `${before.displayName} is disabled: enable it before making it the default.`);
			const previous = (await modelRows(tx)).find((row) => row.isDefault && row.modelType === before.modelType && row.id !== before.id);
			await makeDefaultModel(tx, before.id, before.modelType);
			const after = { ...before, isDefault: true };
			await recordAdminChange(tx, actor, {
				action: 'model.set_default',
				targetType: 'model',
				targetId: before.id,
				targetLabel: before.modelName,
				before: { isDefault: before.isDefault, previousDefault: previous?.modelName ?? null },
				after: { isDefault: true, modelType: before.modelType }
			});
			return toAdminModel(after, await usersDefaultingTo(tx, before.modelName));
		},
		{ affectsModels: true }
	);
}

const TEST_PROMPT = 'Reply with the single word OK.';

/**
 * One token (or one embedding) from the model, through the governed call like any other upstream
 * call: booked against the admin's own quota and logged as 'model.test'. Works on disabled models,
 * so a model can be checked before people see it. Failures come back as words, not as errors.
 */
export async function testModel(deps: AdminDeps, actor: AdminActor, id: string): Promise<ModelTestResult> {
	const model = await asAdmin(deps.db, actor, (tx) => modelRowById(tx, id));
	if (!model) throw notFound();
	const started = deps.services.clock.now();
	const elapsed = () => deps.services.clock.now() - started;
	const spec = {
		userId: actor.id,
		endpoint: 'model.test' as const,
		provider: model.provider,
		model,
		promptTokens: countChatTokens([{ role: 'user', content: TEST_PROMPT }]),
		maxOutputTokens: model.modelType === 'chat' ? 1 : 0,
		minOutputTokens: model.modelType === 'chat' ? 1 : 0,
		countsAsRequest: false
	};
	try {
		if (model.modelType === 'embedding') {
			const vector = await governedCall(deps, spec, async () => {
				const [embedding] = await deps.services.providers.embedding(model, EMBEDDING_DIMENSIONS).embed([TEST_PROMPT]);
				return { value: embedding ?? [], usage: { promptTokens: spec.promptTokens, completionTokens: 0 } };
			});
			return { ok: true, latencyMs: elapsed(), message: `Answered with a ${vector.length}-dimension embedding.` };
		}
		const reply = await governedCall(deps, spec, async ({ maxOutputTokens }) => {
			const provider = deps.services.providers.chat(model);
			const request = { ...chatRequestFor(model, [{ role: 'user', content: TEST_PROMPT }]), maxTokens: Math.max(1, maxOutputTokens) };
			let text = '';
			let usage = { promptTokens: spec.promptTokens, completionTokens: 0 };
			let firstTokenMs: number | null = null;
			for await (const event of provider.streamChat(request)) {
				if (event.type === 'delta') {
					firstTokenMs ??= elapsed();
					text += event.text;
				} else usage = { promptTokens: event.usage.promptTokens, completionTokens: event.usage.completionTokens };
			}
			return { value: { text, offline: provider.isOfflineFallback || provider.name === 'offline' }, usage, timeToFirstTokenMs: firstTokenMs };
		});
		const said = reply.text.trim() ? `“${reply.text.trim().slice(0, 40)}”` : 'an empty reply';
		return { ok: true, latencyMs: elapsed(), message: reply.offline ? `Answered by the offline assistant (no model server is configured for it): ${said}.` : `Answered ${said}.` };
	} catch (error) {
		if (error instanceof AppError && error.code !== 'TOO_MANY_REQUESTS') throw error;
		if (!(error instanceof ProviderError || error instanceof AppError)) deps.services.logger.warn({ err: error, model: model.modelName }, 'model test failed unexpectedly');
		const message = error instanceof ProviderError || error instanceof AppError ? error.message : `The call failed unexpectedly (${errorMessage(error).slice(0, 200)}).`;
		return { ok: false, latencyMs: error instanceof AppError ? null : elapsed(), message };
	}
}

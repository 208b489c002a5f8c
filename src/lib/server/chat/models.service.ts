import type { ChatModelOption } from '$lib/chat/types';
import { answersOffline } from '../ai/provider-registry';
import { listChatModels } from '../account/settings.service';
import type { UserTransaction } from '../db';
import type { ModelConfiguration } from '../db/generated/client';
import { env } from '../env';
import { AppError } from '../errors';
import { modelConfigurationsNamed } from './models.repo';

const PROVIDERS = ['openai', 'openai-compatible', 'offline'] as const;

/**
 * Every message needs its model resolved, and the answer changes only when an admin edits models
 * or tiers; reuse per user takes two queries off each send. Changes don't wait for expiry: the
 * database announces them to every process (model-catalog-events.ts). The expiry is a backstop.
 */
const CACHE_MS = 60_000;
const cache = new Map<string, { until: number; models: ModelConfiguration[] }>();

/** Chat models the user's tier allows (SQL: get_available_models), with their full configuration. */
export async function allowedChatModels(tx: UserTransaction, userId: string): Promise<ModelConfiguration[]> {
	const cached = cache.get(userId);
	if (cached && cached.until > Date.now()) return cached.models;
	const allowed = await listChatModels(tx, userId);
	const configs = await modelConfigurationsNamed(tx, allowed.map((model) => model.modelName));
	const order = new Map(allowed.map((model, index) => [model.modelName, index]));
	const models = configs.sort((a, b) => (order.get(a.modelName) ?? 0) - (order.get(b.modelName) ?? 0));
	if (cache.size > 10_000) cache.clear();
	cache.set(userId, { until: Date.now() + CACHE_MS, models });
	return models;
}

/** Forget cached model lists (after an admin changes models or tiers, and in tests). */
export function forgetAllowedModels(userId?: string): void {
	if (userId) cache.delete(userId);
	else cache.clear();
}

function defaultOf(models: ModelConfiguration[]): ModelConfiguration | undefined {
	// Without any model server configured, the offline assistant is the honest default.
	const reachable = models.filter((model) => !answersOffline(model, env()));
	return reachable.find((model) => model.isDefault) ?? reachable[0] ?? models.find((model) => model.provider === 'offline') ?? models[0];
}

/**
 * The model for a message: the one asked for (refused if the tier doesn't allow it), else the
 * chat's, else the user's default, else the site default.
 */
export async function resolveChatModel(
	tx: UserTransaction,
	userId: string,
	choice: { requested?: string | null; session?: string | null; settings?: string | null }
): Promise<ModelConfiguration> {
	const models = await allowedChatModels(tx, userId);
	if (choice.requested) {
		const requested = models.find((model) => model.modelName === choice.requested);
		if (!requested) throw new AppError('BAD_REQUEST', `The model “${choice.requested}” is not available on your plan.`, { field: 'model' });
		return requested;
	}
	const preferred = [choice.session, choice.settings].flatMap((name) => models.filter((model) => model.modelName === name));
	const model = preferred[0] ?? defaultOf(models);
	if (!model) throw new AppError('BAD_REQUEST', 'No chat model is available on your plan. Ask an administrator to enable one.');
	return model;
}

export async function chatModelOptions(tx: UserTransaction, userId: string): Promise<{ models: ChatModelOption[]; defaultModel: string; offlineMode: boolean }> {
	const models = await allowedChatModels(tx, userId);
	const fallback = defaultOf(models);
	return {
		models: models.map((model) => ({
			modelName: model.modelName,
			displayName: model.displayName,
			provider: PROVIDERS.find((provider) => provider === model.provider) ?? 'openai',
			isDefault: model.modelName === fallback?.modelName,
			offline: answersOffline(model, env()),
			description: model.description
		})),
		defaultModel: fallback?.modelName ?? '',
		offlineMode: fallback ? answersOffline(fallback, env()) : true
	};
}

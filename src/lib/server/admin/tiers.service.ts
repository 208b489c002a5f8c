import type { TierLimitsView } from '$lib/admin/types';
import { USER_TIERS, type UpdateTierInput } from '$lib/schemas/admin';
import type { Database } from '../db';
import type { TierLimit } from '../db/generated/client';
import { AppError } from '../errors';
import { asAdmin } from './admin-tx';
import { recordAdminChange, type AdminActor, type AuditSnapshot } from './audit.repo';
import { chatModelNames, lockedTierRow, tierRows, updateTierRow, usersPerTier } from './tiers.repo';

const tierOrder = (tier: string) => USER_TIERS.findIndex((candidate) => candidate === tier);

export function toTierView(row: TierLimit, users = 0): TierLimitsView {
	return {
		tier: USER_TIERS[tierOrder(row.tier)] ?? 'free',
		requestsPerMinute: row.requestsPerMinute,
		requestsPerDay: row.requestsPerDay,
		tokensPerDay: row.tokensPerDay === null ? null : Number(row.tokensPerDay),
		monthlyCostCapUsd: row.monthlyCostCapUsd?.toString() ?? null,
		maxKnowledgeDocuments: row.maxKnowledgeDocuments,
		maxKnowledgeDocumentMb: row.maxKnowledgeDocumentMb,
		allowedModels: row.allowedModels,
		users,
		updatedAt: row.updatedAt
	};
}

function snapshotOf(row: TierLimit): AuditSnapshot {
	const { users: _users, updatedAt, ...limits } = toTierView(row);
	return { ...limits, monthlyCostCapUsd: row.monthlyCostCapUsd?.toFixed(6) ?? null, allowedModels: [...limits.allowedModels], updatedAt: updatedAt.toISOString() };
}

export async function listTiers(db: Database, actor: AdminActor): Promise<TierLimitsView[]> {
	return asAdmin(db, actor, async (tx) => {
		const users = await usersPerTier(tx);
		return (await tierRows(tx)).map((row) => toTierView(row, users.get(row.tier) ?? 0)).sort((a, b) => tierOrder(a.tier) - tierOrder(b.tier));
	});
}

export async function updateTier(db: Database, actor: AdminActor, input: UpdateTierInput): Promise<TierLimitsView> {
	return asAdmin(
		db,
		actor,
		async (tx) => {
			const before = await lockedTierRow(tx, input.tier);
			if (!before) throw new AppError('NOT_FOUND', `There is no ${input.tier} tier.`);
			const allowedModels = [...new Set(input.allowedModels)];
			const known = await chatModelNames(tx);
			const unknown = allowedModels.filter((name) => !known.has(name));
			if (unknown.length) throw new AppError('BAD_REQUEST', `No chat model is called ${unknown.join(', ')}.`, { field: 'allowedModels' });
			const after = await updateTierRow(tx, input.tier, {
				requestsPerMinute: input.requestsPerMinute,
				requestsPerDay: input.requestsPerDay,
				tokensPerDay: input.tokensPerDay === null ? null : BigInt(input.tokensPerDay),
				monthlyCostCapUsd: input.monthlyCostCapUsd,
				maxKnowledgeDocuments: input.maxKnowledgeDocuments,
				maxKnowledgeDocumentMb: input.maxKnowledgeDocumentMb,
				allowedModels
			});
			await recordAdminChange(tx, actor, { action: 'tier.update', targetType: 'tier', targetId: input.tier, targetLabel: input.tier, before: snapshotOf(before), after: snapshotOf(after) });
			const users = await usersPerTier(tx);
			return toTierView(after, users.get(after.tier) ?? 0);
		},
		{ affectsModels: true }
	);
}

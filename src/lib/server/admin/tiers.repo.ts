import type { UserTransaction } from '../db';
import type { Prisma, TierLimit, UserTier } from '../db/generated/client';

export function tierRows(tx: UserTransaction): Promise<TierLimit[]> {
	return tx.tierLimit.findMany({ orderBy: { tier: 'asc' } });
}

export function tierRow(tx: UserTransaction, tier: UserTier): Promise<TierLimit | null> {
	return tx.tierLimit.findUnique({ where: { tier } });
}

/** Locks the tier's row until commit, so two edits apply one after the other. */
export async function lockedTierRow(tx: UserTransaction, tier: UserTier): Promise<TierLimit | null> {
	await tx.$queryRaw`select 1 from public.tier_limits where tier = ${tier}::public.user_tier for update`;
	return tx.tierLimit.findUnique({ where: { tier } });
}

export function updateTierRow(tx: UserTransaction, tier: UserTier, data: Prisma.TierLimitUpdateInput): Promise<TierLimit> {
	return tx.tierLimit.update({ where: { tier }, data });
}

export async function usersPerTier(tx: UserTransaction): Promise<Map<string, number>> {
	const rows = await tx.profile.groupBy({ by: ['tier'], _count: { _all: true } });
	return new Map(rows.map((row) => [row.tier, row._count._all]));
}

/** Chat models that exist, to refuse a list naming one that doesn't. */
export async function chatModelNames(tx: UserTransaction): Promise<Set<string>> {
	const rows = await tx.modelConfiguration.findMany({ where: { modelType: 'chat' }, select: { modelName: true } });
	return new Set(rows.map((row) => row.modelName));
}

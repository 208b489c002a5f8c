import type { UserTransaction } from '../db';
import type { ModelConfiguration, Prisma } from '../db/generated/client';

/** Model configurations as the admin console manages them; every call runs inside asAdmin (withAdminPowers). */

export function modelRows(tx: UserTransaction): Promise<ModelConfiguration[]> {
	return tx.modelConfiguration.findMany({ orderBy: [{ modelType: 'asc' }, { isDefault: 'desc' }, { displayName: 'asc' }] });
}

/** Locks the row for the rest of the transaction, so two edits of one model apply in turn. */
export async function lockedModelRow(tx: UserTransaction, id: string): Promise<ModelConfiguration | null> {
	const locked = await tx.$queryRaw<{ id: string }[]>`select id::text as id from public.model_configurations where id = ${id}::uuid for update`;
	return locked.length ? tx.modelConfiguration.findUnique({ where: { id } }) : null;
}

export function modelRowById(tx: UserTransaction, id: string): Promise<ModelConfiguration | null> {
	return tx.modelConfiguration.findUnique({ where: { id } });
}

export function modelRowByName(tx: UserTransaction, modelName: string): Promise<ModelConfiguration | null> {
	return tx.modelConfiguration.findUnique({ where: { modelName } });
}

export function insertModelRow(tx: UserTransaction, data: Prisma.ModelConfigurationCreateInput): Promise<ModelConfiguration> {
	return tx.modelConfiguration.create({ data });
}

export function updateModelRow(tx: UserTransaction, id: string, data: Prisma.ModelConfigurationUpdateInput): Promise<ModelConfiguration> {
	return tx.modelConfiguration.update({ where: { id }, data });
}

export async function deleteModelRow(tx: UserTransaction, id: string): Promise<void> {
	await tx.modelConfiguration.delete({ where: { id }, select: { id: true } });
}

/** One default per model type: the others of that type stop being it. */
export async function makeDefaultModel(tx: UserTransaction, id: string, modelType: string): Promise<void> {
	await tx.modelConfiguration.updateMany({ where: { modelType, isDefault: true, NOT: { id } }, data: { isDefault: false } });
	await tx.modelConfiguration.update({ where: { id }, data: { isDefault: true }, select: { id: true } });
}

/** Active chat models other than `exceptId`. Taken under a lock so two disables can't both pass. */
export async function otherActiveChatModels(tx: UserTransaction, exceptId: string): Promise<number> {
	await tx.$executeRaw`select pg_advisory_xact_lock(hashtext('airassist:active-chat-models'))`;
	return tx.modelConfiguration.count({ where: { modelType: 'chat', isActive: true, NOT: { id: exceptId } } });
}

/** How many people chose this model as their default (admin_user_directory, 024). */
export async function usersDefaultingTo(tx: UserTransaction, modelName: string): Promise<number> {
	const rows = await tx.$queryRaw<{ count: bigint }[]>`select count(*) as count from public.admin_user_directory where default_model = ${modelName}`;
	return Number(rows[0]?.count ?? 0);
}

/** Every model's default-users count at once, for the list. */
export async function defaultUserCounts(tx: UserTransaction): Promise<Map<string, number>> {
	const rows = await tx.$queryRaw<{ model: string; count: bigint }[]>`
		select default_model as model, count(*) as count from public.admin_user_directory where default_model is not null group by default_model`;
	return new Map(rows.map((row) => [row.model, Number(row.count)]));
}

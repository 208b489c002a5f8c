import type { CreateCategoryInput, UpdateCategoryInput } from '$lib/schemas/knowledge';
import { asAdmin } from '../admin/admin-tx';
import { recordAdminChange, type AdminActor } from '../admin/audit.repo';
import { asUser, type Database } from '../db';
import { AppError } from '../errors';
import { deleteCategory, findCategory, findCategoryByName, insertCategory, listCategories, updateCategory, type CategoryRow } from './categories.repo';

/**
 * Categories: everyone signed in reads them; admins manage them, with admin powers (the 003 policy
 * checks again in SQL) and an audit row in the same transaction as each change.
 */

export async function listKnowledgeCategories(db: Database, userId: string) {
	const rows = await asUser(db, userId, listCategories);
	return rows.map((row) => ({ id: row.id, name: row.name, description: row.description, color: row.color, documentCount: row._count.documents }));
}

const snapshot = (row: CategoryRow) => ({ name: row.name, description: row.description, color: row.color });

export function createKnowledgeCategory(db: Database, actor: AdminActor, input: CreateCategoryInput) {
	return asAdmin(db, actor, async (tx) => {
		if (await findCategoryByName(tx, input.name)) throw new AppError('CONFLICT', `There is already a category called ${input.name}.`, { field: 'name' });
		const created = await insertCategory(tx, { name: input.name, description: input.description ?? null, color: input.color ?? null, createdBy: actor.id });
		await recordAdminChange(tx, actor, { action: 'category.create', targetType: 'category', targetId: created.id, targetLabel: created.name, before: null, after: snapshot(created) });
		return created;
	});
}

export function updateKnowledgeCategory(db: Database, actor: AdminActor, input: UpdateCategoryInput) {
	return asAdmin(db, actor, async (tx) => {
		if (input.name) {
			const clash = await findCategoryByName(tx, input.name);
			if (clash && clash.id !== input.id) throw new AppError('CONFLICT', `There is already a category called ${input.name}.`, { field: 'name' });
		}
		const before = await findCategory(tx, input.id);
		const updated = before && (await updateCategory(tx, input.id, { name: input.name, description: input.description, color: input.color }));
		if (!before || !updated) throw new AppError('NOT_FOUND', 'That category does not exist.');
		await recordAdminChange(tx, actor, { action: 'category.update', targetType: 'category', targetId: updated.id, targetLabel: updated.name, before: snapshot(before), after: snapshot(updated) });
		return updated;
	});
}

/** Documents in it become uncategorised (the foreign key sets null); they are not deleted. */
export async function deleteKnowledgeCategory(db: Database, actor: AdminActor, id: string): Promise<void> {
	await asAdmin(db, actor, async (tx) => {
		const before = await findCategory(tx, id);
		if (!before || !(await deleteCategory(tx, id))) throw new AppError('NOT_FOUND', 'That category does not exist.');
		await recordAdminChange(tx, actor, { action: 'category.delete', targetType: 'category', targetId: id, targetLabel: before.name, before: snapshot(before), after: null });
	});
}

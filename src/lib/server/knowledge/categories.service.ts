import type { CreateCategoryInput, UpdateCategoryInput } from '$lib/schemas/knowledge';
import { asUser, type Database } from '../db';
import { AppError } from '../errors';
import { deleteCategory, findCategoryByName, insertCategory, listCategories, updateCategory } from './categories.repo';

/** Categories: everyone signed in reads them; admins manage them (the 003 policy checks again in SQL). */

export async function listKnowledgeCategories(db: Database, userId: string) {
	const rows = await asUser(db, userId, listCategories);
	return rows.map((row) => ({ id: row.id, name: row.name, description: row.description, color: row.color, documentCount: row._count.documents }));
}

export function createKnowledgeCategory(db: Database, userId: string, input: CreateCategoryInput) {
	return asUser(db, userId, async (tx) => {
		if (await findCategoryByName(tx, input.name)) throw new AppError('CONFLICT', `There is already a category called ${input.name}.`, { field: 'name' });
		return insertCategory(tx, { name: input.name, description: input.description ?? null, color: input.color ?? null, createdBy: userId });
	});
}

export function updateKnowledgeCategory(db: Database, userId: string, input: UpdateCategoryInput) {
	return asUser(db, userId, async (tx) => {
		if (input.name) {
			const clash = await findCategoryByName(tx, input.name);
			if (clash && clash.id !== input.id) throw new AppError('CONFLICT', `There is already a category called ${input.name}.`, { field: 'name' });
		}
		const updated = await updateCategory(tx, input.id, { name: input.name, description: input.description, color: input.color });
		if (!updated) throw new AppError('NOT_FOUND', 'That category does not exist.');
		return updated;
	});
}

/** Documents in it become uncategorised (the foreign key sets null); they are not deleted. */
export async function deleteKnowledgeCategory(db: Database, userId: string, id: string): Promise<void> {
	const deleted = await asUser(db, userId, (tx) => deleteCategory(tx, id));
	if (!deleted) throw new AppError('NOT_FOUND', 'That category does not exist.');
}

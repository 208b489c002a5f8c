import type { UserTransaction } from '../db';
import type { Prisma } from '../db/generated/client';

export const categorySelect = { id: true, name: true, description: true, color: true } as const satisfies Prisma.CategorySelect;
export type CategoryRow = Prisma.CategoryGetPayload<{ select: typeof categorySelect }>;

export function listCategories(tx: UserTransaction): Promise<(CategoryRow & { _count: { documents: number } })[]> {
	return tx.category.findMany({ orderBy: { name: 'asc' }, select: { ...categorySelect, _count: { select: { documents: true } } } });
}

export function findCategoryByName(tx: UserTransaction, name: string): Promise<CategoryRow | null> {
	return tx.category.findFirst({ where: { name: { equals: name, mode: 'insensitive' } }, select: categorySelect });
}

export function insertCategory(tx: UserTransaction, data: { name: string; description: string | null; color: string | null; createdBy: string }): Promise<CategoryRow> {
	return tx.category.create({ data, select: categorySelect });
}

export function findCategory(tx: UserTransaction, id: string): Promise<CategoryRow | null> {
	return tx.category.findUnique({ where: { id }, select: categorySelect });
}

export async function updateCategory(tx: UserTransaction, id: string, data: { name?: string; description?: string | null; color?: string | null }): Promise<CategoryRow | null> {
	const { count } = await tx.category.updateMany({ where: { id }, data });
	return count === 1 ? tx.category.findUnique({ where: { id }, select: categorySelect }) : null;
}

export async function deleteCategory(tx: UserTransaction, id: string): Promise<boolean> {
	const { count } = await tx.category.deleteMany({ where: { id } });
	return count === 1;
}

import type { UserTransaction } from '../db';
import type { Embedder, EmbedderKind } from './types';
import { EMBEDDER_KINDS } from './types';
import type { EmbedderModel } from './embedders';

type Client = UserTransaction;

const embedderSelect = {
	name: true,
	kind: true,
	modelName: true,
	dimensions: true,
	maxInputTokens: true,
	textWeight: true,
	vectorWeight: true,
	state: true,
	model: true
} as const;

function kindOf(kind: string): EmbedderKind {
	const known = EMBEDDER_KINDS.find((candidate) => candidate === kind);
	if (!known) throw new Error(`unknown embedder kind ${kind}`);
	return known;
}

type Row = NonNullable<Awaited<ReturnType<typeof findRow>>>;

function findRow(tx: Client, where: { state: string } | { name: string }) {
	return tx.knowledgeEmbedder.findFirst({ where, select: embedderSelect });
}

function toEmbedderModel(row: Row): EmbedderModel & { state: string } {
	const embedder: Embedder = {
		name: row.name,
		kind: kindOf(row.kind),
		modelName: row.modelName,
		dimensions: row.dimensions,
		maxInputTokens: row.maxInputTokens,
		textWeight: row.textWeight,
		vectorWeight: row.vectorWeight
	};
	return { embedder, model: row.model, state: row.state };
}

export async function activeEmbedder(tx: Client): Promise<EmbedderModel> {
	const row = await findRow(tx, { state: 'active' });
	if (!row) throw new Error('no active embedder (knowledge_embedders)');
	return toEmbedderModel(row);
}

export async function buildingEmbedder(tx: Client): Promise<EmbedderModel | null> {
	const row = await findRow(tx, { state: 'building' });
	return row ? toEmbedderModel(row) : null;
}

export async function embedderByName(tx: Client, name: string): Promise<(EmbedderModel & { state: string }) | null> {
	const row = await findRow(tx, { name });
	return row ? toEmbedderModel(row) : null;
}

export async function listEmbedders(tx: Client) {
	const rows = await tx.knowledgeEmbedder.findMany({ orderBy: { name: 'asc' }, select: embedderSelect });
	return rows.map(toEmbedderModel);
}

export async function markBuilding(tx: Client, name: string): Promise<void> {
	await tx.knowledgeEmbedder.updateMany({ where: { state: 'building' }, data: { state: 'inactive' } });
	await tx.knowledgeEmbedder.update({ where: { name }, data: { state: 'building' } });
}

/** The new embedder becomes the active one, in the switch-over transaction. */
export async function activate(tx: Client, name: string): Promise<void> {
	await tx.knowledgeEmbedder.updateMany({ where: { state: 'active' }, data: { state: 'inactive' } });
	await tx.knowledgeEmbedder.update({ where: { name }, data: { state: 'active' } });
}

export async function setFusionWeights(tx: Client, name: string, weights: { textWeight: number; vectorWeight: number }): Promise<void> {
	await tx.knowledgeEmbedder.update({ where: { name }, data: weights });
}

/** How many chunks hold a live vector of each embedder (the admin's embedder list). */
export async function chunkCountsByEmbedder(tx: Client): Promise<Map<string, number>> {
	const groups = await tx.knowledgeBaseEntry.groupBy({ by: ['embedder'], where: { embedder: { not: null } }, _count: { _all: true } });
	return new Map(groups.flatMap((group) => (group.embedder === null ? [] : [[group.embedder, group._count._all] as const])));
}

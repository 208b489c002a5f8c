import type { AdminUserDetail, AdminUserRow, LimitOverridesView, UserPage } from '$lib/admin/types';
import { USER_ROLES, USER_TIERS, type ListUsersInput, type SetOverridesInput, type UpdateUserInput } from '$lib/schemas/admin';
import type { Database } from '../db';
import type { UserLimitOverride } from '../db/generated/client';
import { AppError } from '../errors';
import { usageHistory } from '../usage/usage.repo';
import { asAdmin } from './admin-tx';
import { recordAdminChange, type AdminActor, type AuditSnapshot } from './audit.repo';
import { isLastAdminRefusal } from './db-errors';
import { chatModelNames, lockedTierRow, tierRow } from './tiers.repo';
import { toTierView } from './tiers.service';
import {
	deleteLimitOverride,
	directoryPage,
	directoryRow,
	limitOverride,
	lockedAccountState,
	recentErrors,
	setAccountDisabled,
	setProfileTierAndRole,
	upsertLimitOverride,
	type DirectoryRow
} from './users.repo';

const toTier = (value: string) => USER_TIERS.find((tier) => tier === value) ?? 'free';
const toRole = (value: string) => USER_ROLES.find((role) => role === value) ?? 'user';

function toUserRow(row: DirectoryRow): AdminUserRow {
	return {
		id: row.id,
		email: row.email,
		displayName: row.display_name,
		tier: toTier(row.tier),
		role: toRole(row.role),
		disabled: row.is_disabled,
		createdAt: row.created_at,
		lastActiveAt: row.last_active_at,
		monthRequests: row.month_requests,
		monthTokens: row.month_tokens,
		monthCostUsd: row.month_cost_usd
	};
}

/** Cursors are opaque to clients: the last row's sort value and id. */
function encodeCursor(row: DirectoryRow): string {
	return Buffer.from(JSON.stringify([row.sort_key, row.id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { key: string; id: string } {
	try {
		const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
		if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string' && /^[0-9a-f-]{36}$/.test(parsed[1])) {
			return { key: parsed[0], id: parsed[1] };
		}
	} catch {
		// falls through to the refusal below
	}
	throw new AppError('BAD_REQUEST', 'That page link is out of date; start from the first page.', { field: 'cursor' });
}

export async function listUsers(db: Database, actor: AdminActor, input: ListUsersInput): Promise<UserPage> {
	const after = input.cursor ? decodeCursor(input.cursor) : null;
	try {
		const rows = await asAdmin(db, actor, (tx) =>
			directoryPage(tx, { search: input.search || null, sort: input.sort, direction: input.direction, after, limit: input.limit + 1 })
		);
		const page = rows.slice(0, input.limit);
		const last = page.at(-1);
		return { users: page.map(toUserRow), nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null };
	} catch (error) {
		// A hand-edited cursor whose value doesn't cast to the sort column's type.
		if (after && !(error instanceof AppError)) throw new AppError('BAD_REQUEST', 'That page link is out of date; start from the first page.', { field: 'cursor', cause: error });
		throw error;
	}
}

/** Every account in the chosen order, a page at a time (each page its own short transaction): for CSV export. */
export async function* allUsers(db: Database, actor: AdminActor, input: Omit<ListUsersInput, 'cursor' | 'limit'>): AsyncGenerator<AdminUserRow> {
	let cursor: string | undefined;
	do {
		const page = await listUsers(db, actor, { ...input, cursor, limit: 100 });
		yield* page.users;
		cursor = page.nextCursor ?? undefined;
	} while (cursor);
}

function toOverridesView(row: UserLimitOverride | null): LimitOverridesView | null {
	if (!row) return null;
	return {
		requestsPerMinute: row.requestsPerMinute,
		requestsPerDay: row.requestsPerDay,
		tokensPerDay: row.tokensPerDay === null ? null : Number(row.tokensPerDay),
		monthlyCostCapUsd: row.monthlyCostCapUsd?.toString() ?? null,
		maxKnowledgeDocuments: row.maxKnowledgeDocuments,
		maxKnowledgeDocumentMb: row.maxKnowledgeDocumentMb,
		allowedModels: row.allowedModels,
		note: row.note,
		updatedAt: row.updatedAt
	};
}

const notFound = () => new AppError('NOT_FOUND', 'That account no longer exists.');
const HISTORY_DAYS = 30;

export async function userDetail(db: Database, actor: AdminActor, userId: string): Promise<AdminUserDetail> {
	return asAdmin(db, actor, async (tx) => {
		const row = await directoryRow(tx, userId);
		if (!row) throw notFound();
		const tier = await tierRow(tx, toTier(row.tier));
		if (!tier) throw new AppError('NOT_FOUND', `There is no ${row.tier} tier.`);
		const errors = await recentErrors(tx, userId, 20);
		return {
			user: toUserRow(row),
			defaultModel: row.default_model,
			tierLimits: toTierView(tier),
			overrides: toOverridesView(await limitOverride(tx, userId)),
			history: await usageHistory(tx, userId, HISTORY_DAYS),
			recentErrors: errors.map((error) => ({ at: error.createdAt, endpoint: error.endpoint, model: error.model, message: error.errorMessage }))
		};
	});
}

function lastAdminRefusal(cause: unknown): AppError {
	return new AppError('CONFLICT', 'This is the last administrator who can sign in. Make someone else an administrator first.', { cause });
}

export async function updateUser(db: Database, actor: AdminActor, input: UpdateUserInput): Promise<AdminUserRow> {
	try {
		return await asAdmin(
			db,
			actor,
			async (tx) => {
				const before = await lockedAccountState(tx, input.id);
				if (!before) throw notFound();
				const tier = input.tier !== undefined && input.tier !== before.tier ? input.tier : undefined;
				const role = input.role !== undefined && input.role !== before.role ? input.role : undefined;
				const disabled = input.disabled !== undefined && input.disabled !== before.disabled ? input.disabled : undefined;
				if (tier || role) await setProfileTierAndRole(tx, input.id, { tier, role });
				if (disabled !== undefined) await setAccountDisabled(tx, input.id, disabled);
				const after = await directoryRow(tx, input.id);
				if (!after) throw notFound();
				if (tier || role || disabled !== undefined) {
					const snapshot = (state: { tier: string; role: string; disabled: boolean }): AuditSnapshot => ({ tier: state.tier, role: state.role, disabled: state.disabled });
					await recordAdminChange(tx, actor, {
						action: 'user.update',
						targetType: 'user',
						targetId: input.id,
						targetLabel: before.email,
						before: snapshot(before),
						after: snapshot({ tier: after.tier, role: after.role, disabled: after.is_disabled })
					});
				}
				return toUserRow(after);
			},
			{ affectsModels: true }
		);
	} catch (error) {
		if (isLastAdminRefusal(error)) throw lastAdminRefusal(error);
		throw error;
	}
}

function overrideSnapshot(view: LimitOverridesView | null): AuditSnapshot | null {
	if (!view) return null;
	const { updatedAt: _updatedAt, ...limits } = view;
	return { ...limits, allowedModels: [...limits.allowedModels] };
}

/** Sets the user's exceptions to their tier's limits; all empty removes them. */
export async function setOverrides(db: Database, actor: AdminActor, input: SetOverridesInput): Promise<LimitOverridesView | null> {
	return asAdmin(
		db,
		actor,
		async (tx) => {
			const account = await lockedAccountState(tx, input.id);
			if (!account) throw notFound();
			// The tier row isn't changed; locking it keeps this consistent with a concurrent tier edit's audit.
			await lockedTierRow(tx, toTier(account.tier));
			const allowedModels = [...new Set(input.allowedModels)];
			const known = await chatModelNames(tx);
			const unknown = allowedModels.filter((name) => !known.has(name));
			if (unknown.length) throw new AppError('BAD_REQUEST', `No chat model is called ${unknown.join(', ')}.`, { field: 'allowedModels' });
			const before = toOverridesView(await limitOverride(tx, input.id));
			const limits = {
				requestsPerMinute: input.requestsPerMinute,
				requestsPerDay: input.requestsPerDay,
				tokensPerDay: input.tokensPerDay === null ? null : BigInt(input.tokensPerDay),
				monthlyCostCapUsd: input.monthlyCostCapUsd,
				maxKnowledgeDocuments: input.maxKnowledgeDocuments,
				maxKnowledgeDocumentMb: input.maxKnowledgeDocumentMb,
				allowedModels
			};
			const empty = Object.values(limits).every((value) => value === null || (Array.isArray(value) && value.length === 0));
			let after: LimitOverridesView | null = null;
			if (empty) {
				if (before) await deleteLimitOverride(tx, input.id);
			} else {
				after = toOverridesView(await upsertLimitOverride(tx, input.id, { ...limits, note: input.note, updatedBy: actor.id }));
			}
			if (before || after) {
				await recordAdminChange(tx, actor, {
					action: 'user.set_overrides',
					targetType: 'user',
					targetId: input.id,
					targetLabel: account.email,
					before: overrideSnapshot(before),
					after: overrideSnapshot(after)
				});
			}
			return after;
		},
		{ affectsModels: true }
	);
}

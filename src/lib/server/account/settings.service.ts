import type { UpdateSettingsInput } from '../../schemas/account';
import { recordEvent } from '../analytics';
import { asUser, type Database, type UserTransaction } from '../db';
import { AppError } from '../errors';
import { availableChatModelRows, findSettingsRow, updateSettingsRow } from './settings.repo';

export interface UserSettingsView {
	theme: 'system' | 'light' | 'dark';
	defaultModel: string | null;
	temperature: number;
	maxTokens: number;
	systemPrompt: string | null;
	useKnowledgeBase: boolean;
	language: string;
	updatedAt: Date;
}

export interface ModelChoice {
	modelName: string;
	displayName: string;
	provider: string;
	isDefault: boolean;
}

function toView(row: { theme: string; temperature: { toNumber(): number } } & Omit<UserSettingsView, 'theme' | 'temperature'>): UserSettingsView {
	const theme = row.theme === 'light' || row.theme === 'dark' ? row.theme : 'system';
	return { ...row, theme, temperature: row.temperature.toNumber() };
}

/** Chat models this user's tier may use (SQL: get_available_models), default first. */
export async function listChatModels(tx: UserTransaction, userId: string): Promise<ModelChoice[]> {
	const rows = await availableChatModelRows(tx, userId);
	return rows.map((row) => ({ modelName: row.model_name, displayName: row.display_name, provider: row.provider, isDefault: row.is_default }));
}

export function getSettings(db: Database, userId: string) {
	return asUser(db, userId, async (tx) => ({
		settings: toView(await findSettingsRow(tx, userId)),
		models: await listChatModels(tx, userId)
	}));
}

export async function updateSettings(db: Database, userId: string, input: UpdateSettingsInput): Promise<UserSettingsView> {
	const { view, changed } = await asUser(db, userId, async (tx) => {
		if (input.defaultModel) {
			const allowed = await listChatModels(tx, userId);
			if (!allowed.some((model) => model.modelName === input.defaultModel)) {
				throw new AppError('BAD_REQUEST', 'That model is not available on your plan.', { field: 'defaultModel' });
			}
		}
		const before = toView(await findSettingsRow(tx, userId));
		const view = toView(await updateSettingsRow(tx, userId, input));
		return { view, changed: changedFields(before, view) };
	});
	// Which settings changed, never their values: a system prompt is the user's own text.
	if (changed.length > 0) recordEvent(db, { type: 'settings_changed', userId, data: { fields: changed } });
	return view;
}

function changedFields(before: UserSettingsView, after: UserSettingsView): string[] {
	const fields = ['theme', 'defaultModel', 'temperature', 'maxTokens', 'systemPrompt', 'useKnowledgeBase', 'language'] as const;
	return fields.filter((field) => before[field] !== after[field]);
}

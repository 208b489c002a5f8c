import type { UpdateSettingsInput } from '../../schemas/account';
import type { UserTransaction } from '../db';

const settingsSelect = {
	theme: true,
	defaultModel: true,
	temperature: true,
	maxTokens: true,
	systemPrompt: true,
	useKnowledgeBase: true,
	language: true,
	updatedAt: true
} as const;

export function findSettingsRow(tx: UserTransaction, userId: string) {
	return tx.userSettings.findUniqueOrThrow({ where: { userId }, select: settingsSelect });
}

export function updateSettingsRow(tx: UserTransaction, userId: string, data: UpdateSettingsInput) {
	return tx.userSettings.update({ where: { userId }, data, select: settingsSelect });
}

/** Chat models this user's tier (and overrides) may use, from SQL's get_available_models. */
export function availableChatModelRows(tx: UserTransaction, userId: string) {
	return tx.$queryRaw<{ model_name: string; display_name: string; provider: string; is_default: boolean }[]>`
		select model_name, display_name, provider, is_default from public.get_available_models(${userId}::uuid) where model_type = 'chat'`;
}

import type { ModelProvider, ModelType, Role, Tier } from '$lib/schemas/admin';
import type { UsageDay } from '$lib/usage/types';

/** What the admin console's procedures return: plain data shared by the server and the pages. */

export interface AdminModel {
	id: string;
	modelName: string;
	displayName: string;
	provider: ModelProvider;
	modelType: ModelType;
	baseUrl: string | null;
	contextWindow: number;
	maxTokens: number | null;
	temperature: number | null;
	topP: number | null;
	/** US dollars per million tokens, as decimal strings. */
	inputPricePer1m: string;
	outputPricePer1m: string;
	allowedTiers: Tier[];
	description: string | null;
	isActive: boolean;
	isDefault: boolean;
	/** Whether the model has its own API key stored; the key itself never leaves the server. */
	apiKeySet: boolean;
	/** People who chose it as their default model. */
	defaultForUsers: number;
	updatedAt: Date;
}

export type ModelTestResult = { ok: true; latencyMs: number; message: string } | { ok: false; latencyMs: number | null; message: string };

export interface TierLimitsView {
	tier: Tier;
	requestsPerMinute: number | null;
	requestsPerDay: number | null;
	tokensPerDay: number | null;
	/** US dollars as a decimal string; null: no cap. */
	monthlyCostCapUsd: string | null;
	maxKnowledgeDocuments: number | null;
	/** Largest single document, MiB. */
	maxKnowledgeDocumentMb: number | null;
	/** Empty: every active chat model that allows the tier. */
	allowedModels: string[];
	/** Users on this tier. */
	users: number;
	updatedAt: Date;
}

export interface AdminUserRow {
	id: string;
	email: string;
	displayName: string | null;
	tier: Tier;
	role: Role;
	disabled: boolean;
	createdAt: Date;
	lastActiveAt: Date | null;
	monthRequests: number;
	monthTokens: number;
	/** US dollars as a decimal string. */
	monthCostUsd: string;
}

export interface UserPage {
	users: AdminUserRow[];
	/** Pass as `cursor` for the next page; null on the last. */
	nextCursor: string | null;
}

export interface LimitOverridesView {
	requestsPerMinute: number | null;
	requestsPerDay: number | null;
	tokensPerDay: number | null;
	monthlyCostCapUsd: string | null;
	maxKnowledgeDocuments: number | null;
	/** Largest single document, MiB. */
	maxKnowledgeDocumentMb: number | null;
	allowedModels: string[];
	note: string | null;
	updatedAt: Date | null;
}

export interface UserErrorEntry {
	at: Date;
	endpoint: string;
	model: string;
	message: string | null;
}

export interface AdminUserDetail {
	user: AdminUserRow;
	defaultModel: string | null;
	tierLimits: TierLimitsView;
	overrides: LimitOverridesView | null;
	/** The last 30 UTC days from the rollups, oldest first. */
	history: UsageDay[];
	recentErrors: UserErrorEntry[];
}

export interface AuditEntry {
	id: string;
	at: Date;
	actorId: string | null;
	actorEmail: string;
	action: string;
	targetType: string;
	targetId: string;
	targetLabel: string | null;
	before: unknown;
	after: unknown;
	ip: string | null;
	userAgent: string | null;
}

export interface AuditPage {
	entries: AuditEntry[];
	nextCursor: string | null;
}

import { z } from 'zod';
import { tokenText, userText } from './text';

/** Inputs of the admin console's procedures, shared by its forms and the server. */

export const USER_TIERS = ['free', 'basic', 'pro', 'enterprise'] as const;
export const USER_ROLES = ['user', 'admin'] as const;
export const MODEL_PROVIDERS = ['openai', 'openai-compatible', 'offline'] as const;
export const MODEL_TYPES = ['chat', 'embedding'] as const;

export type Tier = (typeof USER_TIERS)[number];
export type Role = (typeof USER_ROLES)[number];
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];
export type ModelType = (typeof MODEL_TYPES)[number];

/** US dollars as a decimal string with up to 6 places (numeric(12|14, 6) in the database). */
const dollars = (what: string) =>
	z
		.string()
		.trim()
		.regex(/^\d{1,8}(\.\d{1,6})?$/, `${what}: US dollars such as 0.15 (up to 6 decimals)`);

const wholeNumber = (max: number) => z.number().int('Use a whole number').min(0, 'Use 0 or more').max(max, `Use at most ${max.toLocaleString('en-US')}`);

const modelId = tokenText('A model id')
	.trim()
	.min(1, 'Enter the model id the server expects, e.g. gpt-4o-mini')
	.max(200, 'Use at most 200 characters')
	.regex(/^\S+$/, 'A model id has no spaces');

export const modelFields = z.object({
	modelName: modelId,
	displayName: userText().trim().min(1, 'Enter a name people will see').max(200, 'Use at most 200 characters'),
	provider: z.enum(MODEL_PROVIDERS),
	modelType: z.enum(MODEL_TYPES),
	baseUrl: z.url({ protocol: /^https?$/, message: 'Use an http(s) address such as http://127.0.0.1:11434/v1' }).max(2000).nullable(),
	contextWindow: z.number().int('Use a whole number').min(1, 'Use at least 1 token').max(100_000_000),
	maxTokens: z.number().int('Use a whole number').min(1, 'Use at least 1 token').max(10_000_000).nullable(),
	temperature: z.number().min(0, 'Use a value from 0 to 2').max(2, 'Use a value from 0 to 2').nullable(),
	topP: z.number().min(0, 'Use a value from 0 to 1').max(1, 'Use a value from 0 to 1').nullable(),
	inputPricePer1m: dollars('Input price'),
	outputPricePer1m: dollars('Output price'),
	allowedTiers: z.array(z.enum(USER_TIERS)).max(USER_TIERS.length),
	description: userText()
		.trim()
		.max(2000, 'Use at most 2,000 characters')
		.transform((value) => (value === '' ? null : value))
		.nullable(),
	isActive: z.boolean()
});

/** A new API key to store (encrypted), null to remove the stored one, absent to keep it. */
const apiKey = tokenText('An API key').trim().min(1, 'Enter the key, or remove it').max(1000).nullable().optional();

export const createModelInput = modelFields.extend({ apiKey });
/** Only the fields given change. */
export const updateModelInput = modelFields.partial().extend({ id: z.uuid('Not a valid model id'), apiKey });
export const modelIdInput = z.object({ id: z.uuid('Not a valid model id') });

export const updateTierInput = z.object({
	tier: z.enum(USER_TIERS),
	requestsPerMinute: wholeNumber(1_000_000).nullable(),
	requestsPerDay: wholeNumber(100_000_000).nullable(),
	tokensPerDay: wholeNumber(1_000_000_000_000).nullable(),
	monthlyCostCapUsd: dollars('Monthly cost cap').nullable(),
	maxKnowledgeDocuments: wholeNumber(10_000_000).nullable(),
	maxKnowledgeDocumentMb: wholeNumber(100).nullable(),
	/** Chat models this tier may use; empty: every active model that allows the tier. */
	allowedModels: z.array(modelId).max(500)
});

export const USER_SORTS = ['email', 'created', 'lastActive', 'monthRequests', 'monthTokens', 'monthCost'] as const;
export type UserSort = (typeof USER_SORTS)[number];

export const listUsersInput = z.object({
	search: userText().trim().max(200).optional(),
	sort: z.enum(USER_SORTS).default('created'),
	direction: z.enum(['asc', 'desc']).default('desc'),
	/** Opaque: the `nextCursor` of the previous page. */
	cursor: tokenText('A cursor').max(500).optional(),
	limit: z.number().int().min(1).max(100).default(25)
});

export const userIdInput = z.object({ id: z.uuid('Not a valid user id') });

export const updateUserInput = z.object({
	id: z.uuid('Not a valid user id'),
	tier: z.enum(USER_TIERS).optional(),
	role: z.enum(USER_ROLES).optional(),
	disabled: z.boolean().optional()
});

/** Null: as the tier says. Every field null and no models: the override is removed. */
export const setOverridesInput = z.object({
	id: z.uuid('Not a valid user id'),
	requestsPerMinute: wholeNumber(1_000_000).nullable(),
	requestsPerDay: wholeNumber(100_000_000).nullable(),
	tokensPerDay: wholeNumber(1_000_000_000_000).nullable(),
	monthlyCostCapUsd: dollars('Monthly cost cap').nullable(),
	maxKnowledgeDocuments: wholeNumber(10_000_000).nullable(),
	maxKnowledgeDocumentMb: wholeNumber(100).nullable(),
	allowedModels: z.array(modelId).max(500),
	note: userText()
		.trim()
		.max(1000, 'Use at most 1,000 characters')
		.transform((value) => (value === '' ? null : value))
		.nullable()
});

export const AUDIT_TARGETS = ['model', 'tier', 'user', 'category', 'document', 'embedder'] as const;

export const listAuditInput = z.object({
	targetType: z.enum(AUDIT_TARGETS).optional(),
	targetId: tokenText('A target id').trim().max(200).optional(),
	actorId: z.uuid().optional(),
	action: tokenText('An action')
		.trim()
		.regex(/^[a-z_]+(\.[a-z_]+)?$/, 'An action such as model.update')
		.optional(),
	/** Oldest first row id to skip past: the `nextCursor` of the previous page. */
	cursor: z.string().regex(/^\d{1,19}$/).optional(),
	limit: z.number().int().min(1).max(200).default(50)
});

export type ModelFields = z.infer<typeof modelFields>;
export type CreateModelInput = z.infer<typeof createModelInput>;
export type UpdateModelInput = z.infer<typeof updateModelInput>;
export type UpdateTierInput = z.infer<typeof updateTierInput>;
export type ListUsersInput = z.infer<typeof listUsersInput>;
export type UpdateUserInput = z.infer<typeof updateUserInput>;
export type SetOverridesInput = z.infer<typeof setOverridesInput>;
export type ListAuditInput = z.infer<typeof listAuditInput>;

import { z } from 'zod';
import { displayNameSchema } from './auth';

export const THEMES = ['system', 'light', 'dark'] as const;

export const updateProfileInput = z.object({
	displayName: displayNameSchema.min(1, 'Enter a name people will see'),
	avatarUrl: z
		.union([z.literal(''), z.url({ protocol: /^https?$/, message: 'Use an http(s) address' }).max(2000)])
		.optional()
		.transform((value) => (value ? value : null))
});

export const updateSettingsInput = z.object({
	theme: z.enum(THEMES),
	defaultModel: z.string().trim().max(200).nullable(),
	temperature: z.coerce.number().min(0, 'Use a value from 0 to 2').max(2, 'Use a value from 0 to 2'),
	maxTokens: z.coerce.number().int('Use a whole number').min(1, 'Use at least 1').max(200_000, 'Use at most 200,000'),
	systemPrompt: z
		.string()
		.max(8000, 'Use at most 8,000 characters')
		.transform((value) => (value.trim() === '' ? null : value))
		.nullable(),
	useKnowledgeBase: z.boolean(),
	language: z.string().trim().min(2).max(10)
});

export const createApiTokenInput = z.object({
	name: z.string().trim().min(1, 'Give the token a name').max(100, 'Use at most 100 characters'),
	expiresInDays: z.coerce.number().int().min(1).max(3650).nullable().optional()
});

export const idInput = z.object({ id: z.string().min(1).max(200) });

export type UpdateProfileInput = z.infer<typeof updateProfileInput>;
export type UpdateSettingsInput = z.infer<typeof updateSettingsInput>;
export type CreateApiTokenInput = z.infer<typeof createApiTokenInput>;

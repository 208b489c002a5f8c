import { z } from 'zod';
import { displayNameSchema } from './auth';
import { tokenText, userText } from './text';

export const THEMES = ['system', 'light', 'dark'] as const;

export const updateProfileInput = z.object({
	displayName: displayNameSchema.min(1, 'Enter a name people will see'),
	avatarUrl: z
		.union([z.literal(''), z.url({ protocol: /^https?$/, message: 'Use an http(s) address' }).max(2000).refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'Use an http(s) address')])
		.optional()
		.transform((value) => (value ? value : null))
});

export const updateSettingsInput = z.object({
	theme: z.enum(THEMES),
	defaultModel: tokenText('A model id').trim().max(200).nullable(),
	temperature: z.coerce.number().min(0, 'Use a value from 0 to 2').max(2, 'Use a value from 0 to 2'),
	maxTokens: z.coerce.number().int('Use a whole number').min(1, 'Use at least 1').max(200_000, 'Use at most 200,000'),
	systemPrompt: userText()
		.max(8000, 'Use at most 8,000 characters')
		.transform((value) => (value.trim() === '' ? null : value))
		.nullable(),
	useKnowledgeBase: z.boolean(),
	language: tokenText('A language code').trim().min(2).max(10)
});

export const createApiTokenInput = z.object({
	name: userText().trim().min(1, 'Give the token a name').max(100, 'Use at most 100 characters'),
	expiresInDays: z.coerce.number().int().min(1).max(3650).nullable().optional()
});

export const apiTokenIdInput = z.object({ id: z.uuid('Not a valid token id') });
/** Sign-in sessions are named by the SHA-256 of their token, not by a uuid. */
export const signInSessionIdInput = z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, 'Not a valid session id') });

export type UpdateProfileInput = z.infer<typeof updateProfileInput>;
export type UpdateSettingsInput = z.infer<typeof updateSettingsInput>;
export type CreateApiTokenInput = z.infer<typeof createApiTokenInput>;

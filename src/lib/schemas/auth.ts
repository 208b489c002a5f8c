import { z } from 'zod';
import { userText } from './text';

/** Shared by forms (client) and procedures (server): one definition of what valid input is. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

export const emailSchema = z
	.string()
	.trim()
	.min(1, 'Enter your email address')
	.max(254, 'That email address is too long')
	.pipe(z.email('Enter a valid email address'));

export const newPasswordSchema = z
	.string()
	.min(PASSWORD_MIN, `Use at least ${PASSWORD_MIN} characters`)
	.max(PASSWORD_MAX, `Use at most ${PASSWORD_MAX} characters`);

export const displayNameSchema = userText().trim().max(80, 'Use at most 80 characters');

export const signUpInput = z.object({
	email: emailSchema,
	password: newPasswordSchema,
	displayName: displayNameSchema.optional()
});

export const signInInput = z.object({
	email: emailSchema,
	// Not the new-password rules: an old account's password must still be accepted for checking.
	password: z.string().min(1, 'Enter your password').max(PASSWORD_MAX, `Use at most ${PASSWORD_MAX} characters`)
});

export const changePasswordInput = z.object({
	currentPassword: z.string().min(1, 'Enter your current password').max(PASSWORD_MAX),
	newPassword: newPasswordSchema
});

export const deleteAccountInput = z.object({
	password: z.string().min(1, 'Enter your password to confirm').max(PASSWORD_MAX)
});

export type SignUpInput = z.infer<typeof signUpInput>;
export type SignInInput = z.infer<typeof signInInput>;
export type ChangePasswordInput = z.infer<typeof changePasswordInput>;

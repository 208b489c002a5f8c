import { TRPCClientError } from '@trpc/client';
import { describeError } from '$lib/state/chat-api';

export type FieldErrors = Record<string, string[] | undefined>;

/** A failed admin mutation as the forms show it: one message, and per-field messages when there are any. */
export function formErrorOf(error: unknown): { message: string; fields: FieldErrors } {
	const fields: FieldErrors = {};
	if (error instanceof TRPCClientError) {
		const raw: unknown = error.data?.fieldErrors;
		if (raw && typeof raw === 'object') {
			for (const [key, value] of Object.entries(raw)) {
				// Nested paths (changes.displayName) are reported by their last part, the form's field name.
				if (Array.isArray(value)) fields[key.split('.').at(-1) ?? key] = value.map(String);
			}
		}
		if (Object.keys(fields).length && error.data?.code === 'BAD_REQUEST') return { message: 'Check the highlighted fields.', fields };
	}
	return { message: describeError(error), fields };
}

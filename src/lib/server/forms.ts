import { fail, type ActionFailure } from '@sveltejs/kit';
import { z } from 'zod';
import { AppError, type AppErrorCode } from './errors';

/** What a failed form action hands back to its page: the values to keep, and messages per field. */
export interface FormFailure<Form extends string, Values> {
	form: Form;
	values: Values;
	errors: Record<string, string[] | undefined>;
	message: string | null;
}

const STATUS_OF: Partial<Record<AppErrorCode, number>> = {
	BAD_REQUEST: 400,
	UNAUTHORIZED: 400, // a wrong password is a form error, not a missing session
	FORBIDDEN: 403,
	NOT_FOUND: 404,
	CONFLICT: 409,
	PAYLOAD_TOO_LARGE: 413,
	TOO_MANY_REQUESTS: 429
};

export function field(data: FormData, name: string): string {
	const value = data.get(name);
	return typeof value === 'string' ? value : '';
}

export function invalid<const Form extends string, Values>(form: Form, values: Values, error: z.ZodError): ActionFailure<FormFailure<Form, Values>> {
	return fail(400, { form, values, errors: z.flattenError(error).fieldErrors, message: null });
}

/** Turns an expected service error into an inline form message; anything else propagates (500). */
export function failed<const Form extends string, Values>(form: Form, values: Values, error: unknown): ActionFailure<FormFailure<Form, Values>> {
	if (!(error instanceof AppError) || !STATUS_OF[error.code]) throw error;
	return fail(STATUS_OF[error.code] ?? 400, {
		form,
		values,
		errors: error.field ? { [error.field]: [error.message] } : {},
		message: error.field ? null : error.message
	});
}

/** Only same-site paths may be redirected to after sign-in. */
export function safeRedirectTarget(target: string | null | undefined, fallback = '/'): string {
	if (!target || !target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return fallback;
	return target;
}

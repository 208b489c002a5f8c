import { json } from '@sveltejs/kit';
import { uploadFieldsInput } from '$lib/schemas/knowledge';
import { getDatabase } from '$lib/server/db';
import { AppError } from '$lib/server/errors';
import { uploadDocument } from '$lib/server/knowledge/documents.service';
import { logger } from '$lib/server/logging/logger';
import { appServices } from '$lib/server/trpc/context';
import type { RequestHandler } from './$types';

const STATUS: Partial<Record<AppError['code'], number>> = { BAD_REQUEST: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, TOO_MANY_REQUESTS: 429 };

/**
 * File upload: multipart `file` with optional `title`, `categoryId`, `visibility`; answers `{ id }`.
 * Same auth (session cookie or API token) and cross-site rule as the tRPC API (hooks.server.ts).
 * Errors answer `{ error: { code, message, field?, quota? } }` with a 4xx status.
 */
export const POST: RequestHandler = async ({ request, locals }) => {
	try {
		if (!locals.user) throw new AppError('UNAUTHORIZED', 'Sign in to continue.');
		let form: FormData;
		try {
			form = await request.formData();
		} catch (cause) {
			if (cause instanceof Error && /exceeds limit|too large/i.test(cause.message)) {
				return json({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'The file is larger than this server accepts (BODY_SIZE_LIMIT).' } }, { status: 413 });
			}
			throw new AppError('BAD_REQUEST', 'Send the file as multipart/form-data with a `file` field.', { cause });
		}
		const file = form.get('file');
		if (!(file instanceof File)) throw new AppError('BAD_REQUEST', 'Choose a file to upload.', { field: 'file' });
		const fields = uploadFieldsInput.safeParse({
			title: stringField(form, 'title'),
			categoryId: stringField(form, 'categoryId'),
			visibility: stringField(form, 'visibility')
		});
		if (!fields.success) {
			const issue = fields.error.issues[0];
			throw new AppError('BAD_REQUEST', issue ? `${issue.path.join('.')}: ${issue.message}` : 'The form is not valid.', { field: issue?.path.join('.') });
		}
		const db = await getDatabase();
		const origin = { requestId: locals.requestId, ip: locals.clientIp, userAgent: request.headers.get('user-agent') };
		const created = await uploadDocument({ db, services: appServices(), request: origin }, locals.user, { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) }, fields.data);
		return json(created, { status: 201 });
	} catch (error) {
		if (error instanceof AppError) {
			return json({ error: { code: error.code, message: error.message, field: error.field, quota: error.quota } }, { status: STATUS[error.code] ?? 400 });
		}
		logger.error({ err: error }, 'document upload failed');
		return json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'The upload failed because of an error on our side. Try again.' } }, { status: 500 });
	}
};

function stringField(form: FormData, name: string): string | undefined {
	const value = form.get(name);
	return typeof value === 'string' && value !== '' ? value : undefined;
}

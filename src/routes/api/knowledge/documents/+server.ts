import { json } from '@sveltejs/kit';
import { uploadFieldsInput } from '$lib/schemas/knowledge';
import { getDatabase } from '$lib/server/db';
import { AppError } from '$lib/server/errors';
import { documentSizeRefusal, uploadByteCap, uploadDocument } from '$lib/server/knowledge/documents.service';
import { logger } from '$lib/server/logging/logger';
import { appServices } from '$lib/server/trpc/context';
import type { RequestHandler } from './$types';

const STATUS: Partial<Record<AppError['code'], number>> = { BAD_REQUEST: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, TOO_MANY_REQUESTS: 429 };

/** Room for the multipart framing and the small fields around the file. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

/**
 * File upload: multipart `file` with optional `title`, `categoryId`, `visibility`; answers `{ id }`.
 * Same auth (session cookie or API token) and cross-site rule as the tRPC API (hooks.server.ts).
 * Errors answer `{ error: { code, message, field?, quota? } }` with a 4xx status.
 */
export const POST: RequestHandler = async ({ request, locals }) => {
	try {
		if (!locals.user) throw new AppError('UNAUTHORIZED', 'Sign in to continue.');
		const db = await getDatabase();
		const deps = { db, services: appServices() };
		// The cap is known before the body is read: a declared length over it is refused unread, and
		// a body without one (chunked) is counted as it streams, so nothing much over the cap is held.
		const cap = await uploadByteCap(deps, locals.user.id);
		const bodyLimit = cap.bytes + FORM_OVERHEAD_BYTES;
		const declared = Number(request.headers.get('content-length'));
		if (Number.isFinite(declared) && declared > bodyLimit) throw documentSizeRefusal(cap.limitMb, declared);
		let form: FormData;
		try {
			form = await readForm(request, bodyLimit);
		} catch (cause) {
			if (cause instanceof BodyTooLarge) throw documentSizeRefusal(cap.limitMb, cause.bytes);
			if (cause instanceof Error && 'status' in cause && cause.status === 413) {
				return json({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'The file is larger than this server accepts (BODY_SIZE_LIMIT).' } }, { status: 413 });
			}
			throw new AppError('BAD_REQUEST', 'Send the file as multipart/form-data with a `file` field.', { cause });
		}
		const file = form.get('file');
		if (!(file instanceof File)) throw new AppError('BAD_REQUEST', 'Choose a file to upload.', { field: 'file' });
		if (file.size > cap.bytes) throw documentSizeRefusal(cap.limitMb, file.size);
		const fields = uploadFieldsInput.safeParse({
			title: stringField(form, 'title'),
			categoryId: stringField(form, 'categoryId'),
			visibility: stringField(form, 'visibility')
		});
		if (!fields.success) {
			const issue = fields.error.issues[0];
			throw new AppError('BAD_REQUEST', issue ? `${issue.path.join('.')}: ${issue.message}` : 'The form is not valid.', { field: issue?.path.join('.') });
		}
		const origin = { requestId: locals.requestId, ip: locals.clientIp, userAgent: request.headers.get('user-agent') };
		const created = await uploadDocument({ ...deps, request: origin }, locals.user, { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) }, fields.data);
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

class BodyTooLarge extends Error {
	constructor(readonly bytes: number) {
		super(`request body passed ${bytes} bytes`);
	}
}

/** Parses the multipart body, failing with BodyTooLarge as soon as more than `limit` bytes arrived. */
async function readForm(request: Request, limit: number): Promise<FormData> {
	if (!request.body) return request.formData();
	let seen = 0;
	const counted = request.body.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			transform(chunk, controller) {
				seen += chunk.byteLength;
				if (seen > limit) controller.error(new BodyTooLarge(seen));
				else controller.enqueue(chunk);
			}
		}),
		// Cancelling the source would destroy the socket (adapter-node) before the 413 is written.
		{ preventCancel: true }
	);
	try {
		return await new Response(counted, { headers: { 'content-type': request.headers.get('content-type') ?? '' } }).formData();
	} catch (cause) {
		if (seen > limit) throw new BodyTooLarge(seen);
		throw cause;
	}
}

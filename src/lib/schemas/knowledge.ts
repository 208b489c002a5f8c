import { z } from 'zod';
import { searchModeSchema } from '$lib/knowledge/types';
import { tokenText, userText } from './text';

/**
 * The server's ceiling for one document whatever the tier says (an unlimited tier, or a cap set
 * higher): an upload is read into memory for extraction, so some bound must hold. Bytes.
 */
export const MAX_DOCUMENT_BYTES = 100 * 1024 * 1024;
/** Pasted text, characters (documents.create travels as JSON). */
export const MAX_PASTED_CHARS = 2_000_000;

const uuid = z.uuid();

export const visibilitySchema = z.enum(['private', 'public']);

export const searchInput = z.object({
	query: userText().pipe(z.string().trim().min(1, 'Type something to search for.').max(2000)),
	mode: searchModeSchema.optional(),
	categoryId: uuid.nullish(),
	limit: z.number().int().min(1).max(50).optional()
});

export const createDocumentInput = z.object({
	title: userText().pipe(z.string().trim().min(1, 'Give the document a title.').max(300)),
	content: userText().pipe(z.string().max(MAX_PASTED_CHARS, 'That text is too long to paste; upload it as a file.')),
	format: z.enum(['markdown', 'text', 'html']),
	source: userText().pipe(z.string().trim().max(2000)).nullish(),
	categoryId: uuid.nullish(),
	visibility: visibilitySchema.optional()
});

export const documentIdInput = z.object({ id: uuid });

export const listDocumentsInput = z.object({ categoryId: uuid.nullish() }).optional();

const colour = tokenText('A colour').pipe(z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Use a colour like #4f46e5.'));

export const createCategoryInput = z.object({
	name: userText().pipe(z.string().trim().min(1, 'Name the category.').max(80)),
	description: userText().pipe(z.string().trim().max(500)).nullish(),
	color: colour.nullish()
});

export const updateCategoryInput = createCategoryInput.partial().extend({ id: uuid });

export const categoryIdInput = z.object({ id: uuid });

export const embedderNameInput = z.object({ name: tokenText('An embedder name').pipe(z.string().min(1).max(100)) });

/** The multipart fields of POST /api/knowledge/documents besides `file`. */
export const uploadFieldsInput = z.object({
	title: userText().pipe(z.string().trim().max(300)).optional(),
	categoryId: uuid.optional(),
	visibility: visibilitySchema.optional()
});

export type SearchInput = z.infer<typeof searchInput>;
export type CreateDocumentInput = z.infer<typeof createDocumentInput>;
export type CreateCategoryInput = z.infer<typeof createCategoryInput>;
export type UpdateCategoryInput = z.infer<typeof updateCategoryInput>;

import { categoryIdInput, embedderNameInput, createCategoryInput, createDocumentInput, documentIdInput, listDocumentsInput, searchInput, updateCategoryInput } from '$lib/schemas/knowledge';
import { createKnowledgeCategory, deleteKnowledgeCategory, listKnowledgeCategories, updateKnowledgeCategory } from '../../knowledge/categories.service';
import { assertDocumentVisible, createDocument, deleteKnowledgeDocument, getKnowledgeDocument, listKnowledgeDocuments, watchProgress } from '../../knowledge/documents.service';
import { listKnowledgeEmbedders, startReembedding } from '../../knowledge/embedders.service';
import { searchKnowledge } from '../../knowledge/search.service';
import { router } from '../init';
import { adminProcedure, authedProcedure } from '../procedures';

export const knowledgeRouter = router({
	/** Hybrid (default), vector or BM25 text search over what the caller may read. */
	search: authedProcedure.input(searchInput).query(({ ctx, input }) => searchKnowledge(ctx, ctx.user.id, input)),

	documents: router({
		list: authedProcedure.input(listDocumentsInput).query(({ ctx, input }) => listKnowledgeDocuments(ctx, ctx.user, input ?? {})),
		get: authedProcedure.input(documentIdInput).query(({ ctx, input }) => getKnowledgeDocument(ctx, ctx.user, input.id)),
		/** Pasted text; files go to POST /api/knowledge/documents (multipart). */
		create: authedProcedure.input(createDocumentInput).mutation(({ ctx, input }) => createDocument(ctx, ctx.user, input)),
		delete: authedProcedure.input(documentIdInput).mutation(async ({ ctx, input }) => {
			await deleteKnowledgeDocument(ctx, ctx.user, input.id);
			return { deleted: true as const };
		}),
		/** Ingestion progress until the document is ready or failed. */
		progress: authedProcedure.input(documentIdInput).subscription(async ({ ctx, input, signal }) => {
			await assertDocumentVisible(ctx, ctx.user.id, input.id);
			return watchProgress(ctx, ctx.user.id, input.id, signal);
		})
	}),

	/** Admins: which embedder is live, and switching to another (re-embeds everything, search stays up). */
	embedders: router({
		list: adminProcedure.query(({ ctx }) => listKnowledgeEmbedders(ctx, ctx.user.id)),
		reembed: adminProcedure.input(embedderNameInput).mutation(({ ctx, input }) => startReembedding(ctx, ctx.actor, input.name))
	}),

	categories: router({
		list: authedProcedure.query(({ ctx }) => listKnowledgeCategories(ctx.db, ctx.user.id)),
		create: adminProcedure.input(createCategoryInput).mutation(({ ctx, input }) => createKnowledgeCategory(ctx.db, ctx.actor, input)),
		update: adminProcedure.input(updateCategoryInput).mutation(({ ctx, input }) => updateKnowledgeCategory(ctx.db, ctx.actor, input)),
		delete: adminProcedure.input(categoryIdInput).mutation(async ({ ctx, input }) => {
			await deleteKnowledgeCategory(ctx.db, ctx.actor, input.id);
			return { deleted: true as const };
		})
	})
});

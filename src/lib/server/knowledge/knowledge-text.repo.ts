import type { UserTransaction } from '../db';

export interface TextMatch {
	id: string;
	title: string;
	content: string;
	source: string | null;
}

/**
 * Keyword search over the knowledge base the caller can see (run inside asUser). Words are OR-ed
 * and ranked, since a question's words rarely all appear in the passage that answers it. Used by
 * the offline assistant, which has no embedding model to search by meaning.
 */
export async function searchKnowledgeText(tx: UserTransaction, query: string, limit = 5): Promise<TextMatch[]> {
	const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [])].slice(0, 32);
	if (words.length === 0) return [];
	const tsquery = words.join(' | ');
	return tx.$queryRaw<TextMatch[]>`
		select id::text as id, title, content, source
		from public.knowledge_base
		where to_tsvector('simple', title || ' ' || content) @@ to_tsquery('simple', ${tsquery})
		order by ts_rank(to_tsvector('simple', title || ' ' || content), to_tsquery('simple', ${tsquery})) desc, updated_at desc
		limit ${limit}`;
}

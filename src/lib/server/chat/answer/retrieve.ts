import { asUser } from '../../db';
import { searchKnowledgeText } from '../../knowledge/knowledge-text.repo';
import type { ChatDeps, PreparedAnswer, RetrievedContext } from './types';

const PASSAGES = 5;

/**
 * Finds knowledge base passages for the question, outside any long transaction (a search may
 * later call an embedding model). Today only the offline assistant uses them: it quotes what the
 * caller may read (row level security applies). Grounding model answers is the knowledge
 * feature's work and plugs in here.
 */
export async function retrieveContext(deps: ChatDeps, prepared: PreparedAnswer): Promise<RetrievedContext> {
	if (!prepared.offline) return { passages: [] };
	const question = prepared.history.at(-1)?.content ?? '';
	const matches = await asUser(deps.db, prepared.userId, (tx) => searchKnowledgeText(tx, question, PASSAGES));
	return { passages: matches.map((match) => ({ title: match.title, content: match.content, source: match.source ?? undefined })) };
}

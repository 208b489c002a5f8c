import type { Database } from '../db';
import { logger } from '../logging/logger';
import { closeStaleAnswers } from './message.repo';
import { liveGenerations } from './stream-hub';

export const INTERRUPTED_MESSAGE = 'The answer was interrupted because the server restarted. Use Retry to ask again.';

/**
 * Closes answers left 'pending'/'streaming' by a process that died: writing processes refresh
 * updated_at at least every 10 s, so an older one has no writer. On the embedded engine only this
 * process can have been writing, so at start-up every in-flight answer is stale.
 */
export async function closeInterruptedAnswers(db: Database, staleAfterMs: number): Promise<number> {
	const count = await closeStaleAnswers(db, { olderThan: new Date(Date.now() - staleAfterMs), except: liveGenerations.ids(), reason: INTERRUPTED_MESSAGE });
	if (count > 0) logger.warn({ count }, 'closed interrupted answers');
	return count;
}

/**
 * At start-up. The periodic sweep for processes that die while others keep running is the
 * once-per-cluster 'chat.interrupted-sweep' job (src/lib/server/jobs/recurring.ts).
 */
export function closeAnswersInterruptedByRestart(db: Database): void {
	void closeInterruptedAnswers(db, db.engine === 'pglite' ? 0 : 60_000).catch((error: unknown) => logger.warn({ err: error }, 'interrupted-answer sweep failed'));
}

import type { Database } from '../db';
import { logger } from '../logging/logger';
import { liveGenerations } from './stream-hub';

export const INTERRUPTED_MESSAGE = 'The answer was interrupted because the server restarted. Use Retry to ask again.';

/**
 * Closes answers left 'pending'/'streaming' by a process that died: writing processes refresh
 * updated_at at least every 10 s, so an older one has no writer. On the embedded engine only this
 * process can have been writing, so at start-up every in-flight answer is stale.
 */
export async function closeInterruptedAnswers(db: Database, staleAfterMs: number): Promise<number> {
	const mine = liveGenerations.ids();
	const count = await db.prisma.message.updateMany({
		where: { status: { in: ['pending', 'streaming'] }, updatedAt: { lt: new Date(Date.now() - staleAfterMs) }, id: { notIn: mine } },
		data: { status: 'error', finishReason: 'interrupted', metadata: { error: INTERRUPTED_MESSAGE } }
	});
	if (count.count > 0) logger.warn({ count: count.count }, 'closed interrupted answers');
	return count.count;
}

/**
 * At start-up. The periodic sweep for processes that die while others keep running is the
 * once-per-cluster 'chat.interrupted-sweep' job (src/lib/server/jobs/recurring.ts).
 */
export function closeAnswersInterruptedByRestart(db: Database): void {
	void closeInterruptedAnswers(db, db.engine === 'pglite' ? 0 : 60_000).catch((error: unknown) => logger.warn({ err: error }, 'interrupted-answer sweep failed'));
}

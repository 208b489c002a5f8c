import { asUser, type Database } from '../db';
import { AppError } from '../errors';
import { liveGenerations } from './stream-hub';
import { loadMessage } from './thread.repo';

/**
 * Checked before a stream opens, so a missing or foreign answer is a NOT_FOUND response like every
 * other procedure's. An error raised once the stream is running would reach the client as an SSE
 * error event, past the middleware that gives AppErrors their codes.
 */
export async function assertAnswerVisible(db: Database, userId: string, messageId: string): Promise<void> {
	// Being written for this very user: memory says so, no query needed.
	if (liveGenerations.get(messageId)?.userId === userId) return;
	const message = await asUser(db, userId, (tx) => loadMessage(tx, messageId));
	if (!message || message.role !== 'assistant') throw new AppError('NOT_FOUND', 'That answer does not exist or is not yours.');
}

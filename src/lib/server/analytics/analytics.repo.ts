import type { Database } from '../db';
import type { EventPayload } from './events';

export interface AnalyticsEventRow {
	userId: string | null;
	sessionId: string | null;
	eventType: string;
	eventData: EventPayload;
	ipAddress: string | null;
	userAgent: string | null;
	createdAt: Date;
}

/** One multi-row insert, written as the app (owner): events are recorded on users' behalf. */
export async function insertAnalyticsEvents(db: Database, rows: readonly AnalyticsEventRow[]): Promise<number> {
	if (rows.length === 0) return 0;
	return (await db.prisma.analyticsEvent.createMany({ data: [...rows] })).count;
}

/**
 * Deletes events created before `before`, a batch at a time so the embedded engine (one session)
 * serves requests between batches and a server never holds one huge delete's locks.
 */
export async function deleteAnalyticsEventsBefore(db: Database, before: Date, batchSize = 5_000): Promise<number> {
	let total = 0;
	for (;;) {
		const deleted = await db.prisma.$executeRaw`
			delete from public.analytics_events
			where id in (select id from public.analytics_events where created_at < ${before} limit ${batchSize})`;
		total += deleted;
		if (deleted < batchSize) return total;
	}
}

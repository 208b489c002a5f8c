import { isIP } from 'node:net';
import type { Database } from '../db';
import { logger } from '../logging/logger';
import { analyticsEventsDropped } from '../metrics/registry';
import { deleteAnalyticsEventsBefore } from './analytics.repo';
import { parseEventData, type AnalyticsEvent } from './events';
import { AnalyticsRecorder, type RecorderOptions } from './recorder';

export { ANALYTICS_EVENT_TYPES, CLIENT_EVENT_TYPES, type AnalyticsEvent, type AnalyticsEventType, type ClientEventType } from './events';

/** One recorder per database handle (the app has one; tests have one per test database). */
const recorders = new Map<Database, AnalyticsRecorder>();
let recorderOptions: RecorderOptions = {};

function recorderFor(db: Database): AnalyticsRecorder {
	let recorder = recorders.get(db);
	if (!recorder) {
		recorder = new AnalyticsRecorder(db, recorderOptions);
		recorders.set(db, recorder);
	}
	return recorder;
}

/**
 * Records a server-side event without waiting: validated against its type's schema (an invalid
 * event is dropped with a warning, never thrown), buffered, and written in a batch within about a
 * second. Safe to call from any request path.
 *
 *     recordEvent(db, { type: 'message_sent', userId, chatId, data: { model, characters: text.length } });
 */
export function recordEvent(db: Database, event: AnalyticsEvent): boolean {
	const parsed = parseEventData(event.type, event.data);
	if (!parsed.ok) {
		analyticsEventsDropped.inc({ reason: 'invalid' });
		logger.warn({ eventType: event.type, problem: parsed.error }, 'analytics event dropped: invalid data');
		return false;
	}
	const ip = event.request?.ip ?? null;
	return recorderFor(db).record({
		userId: event.userId,
		sessionId: event.chatId ?? null,
		eventType: event.type,
		eventData: parsed.data,
		ipAddress: ip && isIP(ip) ? ip : null,
		userAgent: event.request?.userAgent?.slice(0, 256) ?? null,
		createdAt: new Date()
	});
}

/** Writes buffered events now: of one database, or of all (tests; shutdown via closeAnalytics). */
export async function flushEvents(db?: Database): Promise<void> {
	const targets = db ? [recorders.get(db)] : [...recorders.values()];
	await Promise.all(targets.map((recorder) => recorder?.flush()));
}

/** Flushes every recorder and forgets them; call before the database closes. */
export async function closeAnalytics(): Promise<void> {
	await flushEvents();
	recorders.clear();
}

/** Batching settings for recorders created from now on (tests use small ones). */
export function configureAnalytics(options: RecorderOptions): void {
	recorderOptions = options;
}

/** Deletes raw events older than `days` days (the retention job). */
export function purgeExpiredEvents(db: Database, days: number, now = new Date()): Promise<number> {
	return deleteAnalyticsEventsBefore(db, new Date(now.getTime() - days * 24 * 60 * 60 * 1000));
}

import type { Database } from '../db';
import { logger } from '../logging/logger';
import { analyticsEventsDropped, analyticsEventsRecorded } from '../metrics/registry';
import { insertAnalyticsEvents, type AnalyticsEventRow } from './analytics.repo';

export interface RecorderOptions {
	/** Written as soon as this many are waiting… */
	batchSize?: number;
	/** …or this long after the first one arrived. */
	flushIntervalMs?: number;
	/** Beyond this, new events are dropped (with a warning) rather than held or waited for. */
	maxBuffered?: number;
}

/** Warn about drops at most this often, so a flood can't also flood the log. */
const DROP_WARNING_INTERVAL_MS = 60_000;

/**
 * Buffers analytics events in memory and writes them in batches. `record` never waits and never
 * throws: a request that records an event doesn't pay for the insert, and a database outage loses
 * events (counted and logged) instead of slowing or failing requests.
 */
export class AnalyticsRecorder {
	private buffer: AnalyticsEventRow[] = [];
	private timer: ReturnType<typeof setTimeout> | null = null;
	private writing: Promise<void> = Promise.resolve();
	private lastDropWarning = 0;
	private readonly batchSize: number;
	private readonly flushIntervalMs: number;
	private readonly maxBuffered: number;

	constructor(
		private readonly db: Database,
		options: RecorderOptions = {}
	) {
		this.batchSize = options.batchSize ?? 100;
		this.flushIntervalMs = options.flushIntervalMs ?? 1_000;
		this.maxBuffered = options.maxBuffered ?? 5_000;
	}

	/** Queues one event; false if it was dropped because the buffer is full. */
	record(row: AnalyticsEventRow): boolean {
		if (this.buffer.length >= this.maxBuffered) {
			this.dropped('buffer_full', 1);
			return false;
		}
		this.buffer.push(row);
		if (this.buffer.length >= this.batchSize) void this.flush();
		else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
		this.timer?.unref?.();
		return true;
	}

	get pending(): number {
		return this.buffer.length;
	}

	/** Writes everything buffered so far; resolves when it is written (or dropped). */
	flush(): Promise<void> {
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		const rows = this.buffer;
		this.buffer = [];
		this.writing = this.writing.then(() => this.write(rows));
		return this.writing;
	}

	private async write(rows: AnalyticsEventRow[]): Promise<void> {
		for (let start = 0; start < rows.length; start += this.batchSize) {
			const batch = rows.slice(start, start + this.batchSize);
			try {
				analyticsEventsRecorded.inc(await insertAnalyticsEvents(this.db, batch));
			} catch (error) {
				this.dropped('write_failed', batch.length, error);
			}
		}
	}

	private dropped(reason: 'buffer_full' | 'write_failed', count: number, error?: unknown): void {
		analyticsEventsDropped.inc({ reason }, count);
		const now = Date.now();
		if (reason === 'write_failed' || now - this.lastDropWarning >= DROP_WARNING_INTERVAL_MS) {
			this.lastDropWarning = now;
			logger.warn({ reason, count, err: error }, 'analytics events dropped');
		}
	}
}

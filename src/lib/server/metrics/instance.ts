import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { liveGenerations } from '../chat/stream-hub';
import type { Database } from '../db';
import { logger } from '../logging/logger';
import { addInstanceMinute } from './metrics.repo';

/** This process, as it appears in instance_minute_stats and in per-instance system_metrics labels. */
export const instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

const MINUTE_MS = 60_000;
/** How often each process adds its counts to its row; the sampler waits this long (plus margin) past each minute. */
export const REPORT_INTERVAL_MS = 10_000;
/** Minutes of counts kept in memory while the database is unreachable. */
const MAX_PENDING_MINUTES = 10;

interface MinuteCounts {
	requests: number;
	errors: number;
	peakStreams: number;
}

/**
 * Counts this process's requests per UTC minute and adds them, with its memory and event-loop
 * delay, to its own row in instance_minute_stats every few seconds. Per process by design (each
 * process counts its own traffic); the once-per-cluster sampler sums the rows.
 */
export class InstanceReporter {
	private readonly pending = new Map<number, MinuteCounts>();
	private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });
	private timer: ReturnType<typeof setInterval> | null = null;
	private flushing: Promise<void> = Promise.resolve();

	constructor(
		private readonly db: Database,
		readonly id: string = instanceId
	) {}

	start(): this {
		this.loopDelay.enable();
		this.timer = setInterval(() => void this.flush(), REPORT_INTERVAL_MS);
		this.timer.unref?.();
		return this;
	}

	recordRequest(isError: boolean, now = Date.now()): void {
		const counts = this.bucket(now);
		counts.requests += 1;
		if (isError) counts.errors += 1;
		counts.peakStreams = Math.max(counts.peakStreams, liveGenerations.size());
	}

	/** Writes what was counted since the last flush (one flush at a time). */
	flush(now = Date.now()): Promise<void> {
		this.flushing = this.flushing.then(() => this.write(now));
		return this.flushing;
	}

	async stop(): Promise<void> {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		await this.flush();
		this.loopDelay.disable();
	}

	private bucket(now: number): MinuteCounts {
		const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
		let counts = this.pending.get(minute);
		if (!counts) {
			counts = { requests: 0, errors: 0, peakStreams: 0 };
			this.pending.set(minute, counts);
		}
		return counts;
	}

	private restore(minute: number, counts: MinuteCounts): void {
		const kept = this.bucket(minute);
		kept.requests += counts.requests;
		kept.errors += counts.errors;
		kept.peakStreams = Math.max(kept.peakStreams, counts.peakStreams);
	}

	private async write(now: number): Promise<void> {
		const current = this.bucket(now); // the current minute always gets a row, with memory, even when idle
		current.peakStreams = Math.max(current.peakStreams, liveGenerations.size());
		const memory = process.memoryUsage();
		const loopDelayP99Ms = this.loopDelay.count > 0 ? this.loopDelay.percentile(99) / 1e6 : 0;
		this.loopDelay.reset();
		const batch = [...this.pending.entries()].sort(([a], [b]) => a - b);
		this.pending.clear();
		for (const [index, [minute, counts]] of batch.entries()) {
			const isCurrent = counts === current;
			try {
				await addInstanceMinute(this.db, {
					minute: new Date(minute),
					instanceId: this.id,
					...counts,
					rssBytes: isCurrent ? memory.rss : 0,
					heapUsedBytes: isCurrent ? memory.heapUsed : 0,
					eventLoopDelayP99Ms: isCurrent ? loopDelayP99Ms : 0
				});
			} catch (error) {
				// Keep what wasn't written for the next flush (a bounded number of minutes).
				for (const [unwritten, lost] of batch.slice(index)) this.restore(unwritten, lost);
				logger.warn({ err: error }, 'could not write this instance’s request counts');
				break;
			}
		}
		while (this.pending.size > MAX_PENDING_MINUTES) this.pending.delete(Math.min(...this.pending.keys()));
	}
}

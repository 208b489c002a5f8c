import type { TrackEventInput } from '../../schemas/analytics';
import type { Database } from '../db';
import { AppError } from '../errors';
import { recordEvent } from './index';

export interface TrackLimit {
	events: number;
	windowMs: number;
}

/** A page view per second on average is far more than a person makes; a script gets cut off. */
export const DEFAULT_TRACK_LIMIT: TrackLimit = { events: 60, windowMs: 60_000 };

/**
 * Fixed-window counts per caller, in this process's memory: client analytics are best-effort, so
 * a cluster-exact limit isn't worth a database write per page view. With N processes a caller
 * can record at most N × the limit; the recorder's buffer bounds memory either way.
 */
export class TrackRateLimiter {
	private readonly windows = new Map<string, { startedAt: number; count: number }>();

	constructor(private readonly limit: TrackLimit = DEFAULT_TRACK_LIMIT) {}

	/** Counts one event for `key`; seconds to wait if it is over the limit, else null. */
	take(key: string, now = Date.now()): number | null {
		let window = this.windows.get(key);
		if (!window || now - window.startedAt >= this.limit.windowMs) {
			if (this.windows.size >= 10_000) this.prune(now);
			window = { startedAt: now, count: 0 };
			this.windows.set(key, window);
		}
		if (window.count >= this.limit.events) return Math.max(1, Math.ceil((window.startedAt + this.limit.windowMs - now) / 1000));
		window.count += 1;
		return null;
	}

	private prune(now: number): void {
		for (const [key, window] of this.windows) if (now - window.startedAt >= this.limit.windowMs) this.windows.delete(key);
		// Still full: many callers at once. Start over rather than grow without bound.
		if (this.windows.size >= 10_000) this.windows.clear();
	}
}

export interface TrackCaller {
	userId: string | null;
	ip: string | null;
	userAgent: string | null;
}

const limiter = new TrackRateLimiter();

/** analytics.track: one allow-listed client event, rate-limited per user (or address when signed out). */
export function trackClientEvent(db: Database, caller: TrackCaller, input: TrackEventInput, limits: TrackRateLimiter = limiter): { recorded: boolean } {
	const key = caller.userId ? `user:${caller.userId}` : `ip:${caller.ip ?? 'unknown'}`;
	const retryAfterSeconds = limits.take(key);
	if (retryAfterSeconds !== null) {
		throw new AppError('TOO_MANY_REQUESTS', `Too many analytics events; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
	}
	return { recorded: recordEvent(db, { type: input.type, userId: caller.userId, data: input.data, request: { ip: caller.ip, userAgent: caller.userAgent } }) };
}

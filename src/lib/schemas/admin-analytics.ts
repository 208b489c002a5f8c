import { z } from 'zod';

/** The dashboards' periods: the last 24 hours (hourly points) or the last 7, 30 or 90 UTC days (daily points). */
export const ANALYTICS_RANGES = ['24h', '7d', '30d', '90d'] as const;
export type AnalyticsRange = (typeof ANALYTICS_RANGES)[number];

export const analyticsRangeInput = z.object({ range: z.enum(ANALYTICS_RANGES) });

/** The system page's periods (system_metrics are sampled once a minute and kept ANALYTICS_RETENTION_DAYS). */
export const SYSTEM_RANGES = ['1h', '24h', '7d'] as const;
export type SystemRange = (typeof SYSTEM_RANGES)[number];

export const systemRangeInput = z.object({ range: z.enum(SYSTEM_RANGES).default('24h') });

/** `?range=` of a page URL, falling back to a default for anything else. */
export function parseRange<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
	return allowed.find((range) => range === value) ?? fallback;
}

import type { AnalyticsRange } from '$lib/schemas/admin-analytics';
import type { UserTier } from '$lib/usage/types';
import { withAdminPowers, type Database } from '../db';
import {
	activeUsersPerBucket,
	errorsSince,
	modelBuckets,
	modelCatalogue,
	topUsersByCost,
	usageByTier,
	type Grain,
	userCounts,
	type ModelBucketRow
} from './analytics.repo';
import { addHistogram, emptyHistogram, quantile } from './histogram';

/**
 * The admin dashboards' figures, all derived from the rollups: totals, time series, breakdowns.
 * Latency and time to first token are those of answers (endpoint 'chat'): what users wait for.
 * Per model they cover the model's own work (answers, or embeddings for an embedding model);
 * titles and admin model tests are counted in requests and cost but not in latencies.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const RANGE_DAYS = { '7d': 7, '30d': 30, '90d': 90 } as const;
const LATENCY_ENDPOINTS = new Set(['chat', 'embedding']);
const ANSWER_ENDPOINT = 'chat';
export const TOP_USERS = 10;
export const RECENT_ERRORS = 50;

export interface RangeWindow {
	range: AnalyticsRange;
	grain: Grain;
	/** Start of the first bucket. */
	from: Date;
	/** Bucket starts, oldest first (24 hours, or 7 / 30 / 90 UTC days, the current one included). */
	buckets: Date[];
}

export function rangeWindow(range: AnalyticsRange, now: number): RangeWindow {
	const grain: Grain = range === '24h' ? 'hour' : 'day';
	const step = grain === 'hour' ? HOUR_MS : DAY_MS;
	const count = range === '24h' ? 24 : RANGE_DAYS[range];
	const current = Math.floor(now / step) * step;
	const buckets = Array.from({ length: count }, (_, i) => new Date(current - (count - 1 - i) * step));
	return { range, grain, from: buckets[0] ?? new Date(current), buckets };
}

/** Sums of a set of rollup rows, with merged histograms. */
interface Totals {
	requests: number;
	successes: number;
	errors: number;
	cancelled: number;
	rateLimited: number;
	promptTokens: number;
	completionTokens: number;
	totalTokens: number;
	costMicros: number;
	latency: number[];
	ttft: number[];
}

function emptyTotals(): Totals {
	return { requests: 0, successes: 0, errors: 0, cancelled: 0, rateLimited: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costMicros: 0, latency: emptyHistogram(), ttft: emptyHistogram() };
}

/** Adds a row's counts; its histograms only when `withLatency` (see the module comment). */
function add(totals: Totals, row: ModelBucketRow, withLatency: boolean): void {
	totals.requests += row.requests;
	totals.successes += row.successes;
	totals.errors += row.errors;
	totals.cancelled += row.cancelled;
	totals.rateLimited += row.rateLimited;
	totals.promptTokens += row.promptTokens;
	totals.completionTokens += row.completionTokens;
	totals.totalTokens += row.totalTokens;
	totals.costMicros += row.costMicros;
	if (withLatency) {
		addHistogram(totals.latency, row.latencyBuckets);
		addHistogram(totals.ttft, row.ttftBuckets);
	}
}

/** Failed calls among those that reached a model (quota refusals never did); null without any. */
function errorRate(totals: Pick<Totals, 'requests' | 'rateLimited' | 'errors'>): number | null {
	const reached = totals.requests - totals.rateLimited;
	return reached > 0 ? totals.errors / reached : null;
}

const dollars = (micros: number) => Math.round(micros) / 1e6;

export interface Percentiles {
	latencyP50Ms: number | null;
	latencyP95Ms: number | null;
	ttftP50Ms: number | null;
	ttftP95Ms: number | null;
}

function percentiles(totals: Totals): Percentiles {
	return { latencyP50Ms: quantile(totals.latency, 0.5), latencyP95Ms: quantile(totals.latency, 0.95), ttftP50Ms: quantile(totals.ttft, 0.5), ttftP95Ms: quantile(totals.ttft, 0.95) };
}

function figures(totals: Totals) {
	return {
		requests: totals.requests,
		successes: totals.successes,
		errors: totals.errors,
		cancelled: totals.cancelled,
		rateLimited: totals.rateLimited,
		errorRate: errorRate(totals),
		promptTokens: totals.promptTokens,
		completionTokens: totals.completionTokens,
		totalTokens: totals.totalTokens,
		costUsd: dollars(totals.costMicros)
	};
}

export type UsageFigures = ReturnType<typeof figures>;

export interface Overview extends UsageFigures, Percentiles {
	range: AnalyticsRange;
	from: Date;
	activeUsers: number;
	totalUsers: number;
}

export function overview(db: Database, adminId: string, range: AnalyticsRange, now: number): Promise<Overview> {
	const window = rangeWindow(range, now);
	return withAdminPowers(db, adminId, async (tx) => {
		const rows = await modelBuckets(tx, window.grain, window.from);
		const users = await userCounts(tx, window.grain, window.from);
		const totals = emptyTotals();
		for (const row of rows) add(totals, row, row.endpoint === ANSWER_ENDPOINT);
		return {
			range,
			from: window.from,
			...figures(totals),
			...percentiles(totals),
			activeUsers: users.active,
			totalUsers: users.total
		};
	});
}

export interface TimeseriesPoint extends Percentiles {
	/** Bucket start, Unix seconds. */
	t: number;
	requests: number;
	errors: number;
	rateLimited: number;
	errorRate: number | null;
	totalTokens: number;
	costUsd: number;
	activeUsers: number;
}

export interface ModelSeries {
	model: string;
	displayName: string;
	/** Aligned with `points`. */
	requests: number[];
	latencyP50Ms: (number | null)[];
	latencyP95Ms: (number | null)[];
	ttftP50Ms: (number | null)[];
	ttftP95Ms: (number | null)[];
}

export interface Timeseries {
	range: AnalyticsRange;
	grain: Grain;
	points: TimeseriesPoint[];
	/** Per model (that had calls in the range), its latency and TTFT percentiles per bucket. */
	models: ModelSeries[];
}

export function timeseries(db: Database, adminId: string, range: AnalyticsRange, now: number): Promise<Timeseries> {
	const window = rangeWindow(range, now);
	return withAdminPowers(db, adminId, async (tx) => {
		const rows = await modelBuckets(tx, window.grain, window.from);
		const activity = await activeUsersPerBucket(tx, window.grain, window.from);
		const names = new Map((await modelCatalogue(tx)).map((model) => [model.modelName, model.displayName]));
		const index = new Map(window.buckets.map((bucket, i) => [bucket.getTime(), i]));
		const overall = window.buckets.map(() => emptyTotals());
		const perModel = new Map<string, Totals[]>();
		for (const row of rows) {
			const i = index.get(row.bucket.getTime());
			if (i === undefined) continue;
			const bucket = overall[i];
			if (bucket) add(bucket, row, row.endpoint === ANSWER_ENDPOINT);
			let series = perModel.get(row.model);
			if (!series) perModel.set(row.model, (series = window.buckets.map(() => emptyTotals())));
			const modelBucket = series[i];
			if (modelBucket) add(modelBucket, row, LATENCY_ENDPOINTS.has(row.endpoint));
		}
		const usersAt = new Map(activity.map((row) => [row.bucket.getTime(), row.activeUsers]));
		return {
			range,
			grain: window.grain,
			points: window.buckets.map((bucket, i) => {
				const totals = overall[i] ?? emptyTotals();
				return {
					t: bucket.getTime() / 1000,
					requests: totals.requests,
					errors: totals.errors,
					rateLimited: totals.rateLimited,
					errorRate: errorRate(totals),
					totalTokens: totals.totalTokens,
					costUsd: dollars(totals.costMicros),
					activeUsers: usersAt.get(bucket.getTime()) ?? 0,
					...percentiles(totals)
				};
			}),
			models: [...perModel.entries()]
				.sort(([a], [b]) => a.localeCompare(b))
				.map(([model, series]) => {
					const stats = series.map(percentiles);
					return {
						model,
						displayName: names.get(model) ?? model,
						requests: series.map((totals) => totals.requests),
						latencyP50Ms: stats.map((s) => s.latencyP50Ms),
						latencyP95Ms: stats.map((s) => s.latencyP95Ms),
						ttftP50Ms: stats.map((s) => s.ttftP50Ms),
						ttftP95Ms: stats.map((s) => s.ttftP95Ms)
					};
				})
		};
	});
}

export interface ModelUsage extends UsageFigures, Percentiles {
	model: string;
	displayName: string;
	provider: string | null;
	/** Share of the range's cost, 0–1 (null when nothing cost anything). */
	costShare: number | null;
}

export function byModel(db: Database, adminId: string, range: AnalyticsRange, now: number): Promise<ModelUsage[]> {
	const window = rangeWindow(range, now);
	return withAdminPowers(db, adminId, async (tx) => {
		const rows = await modelBuckets(tx, window.grain, window.from);
		const catalogue = new Map((await modelCatalogue(tx)).map((model) => [model.modelName, model]));
		const perModel = new Map<string, Totals>();
		for (const row of rows) {
			let totals = perModel.get(row.model);
			if (!totals) perModel.set(row.model, (totals = emptyTotals()));
			add(totals, row, LATENCY_ENDPOINTS.has(row.endpoint));
		}
		const totalCost = [...perModel.values()].reduce((sum, totals) => sum + totals.costMicros, 0);
		return [...perModel.entries()]
			.map(([model, totals]) => ({
				model,
				displayName: catalogue.get(model)?.displayName ?? model,
				provider: catalogue.get(model)?.provider ?? null,
				...figures(totals),
				...percentiles(totals),
				costShare: totalCost > 0 ? totals.costMicros / totalCost : null
			}))
			.sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests || a.model.localeCompare(b.model));
	});
}

export interface TierUsage {
	tier: UserTier;
	users: number;
	activeUsers: number;
	requests: number;
	errors: number;
	totalTokens: number;
	costUsd: number;
}

export function byTier(db: Database, adminId: string, range: AnalyticsRange, now: number): Promise<TierUsage[]> {
	const window = rangeWindow(range, now);
	return withAdminPowers(db, adminId, async (tx) =>
		(await usageByTier(tx, window.grain, window.from)).map(({ costMicros, ...row }) => ({ ...row, costUsd: dollars(costMicros) }))
	);
}

export interface TopUser {
	userId: string;
	email: string;
	displayName: string | null;
	tier: UserTier;
	requests: number;
	errors: number;
	totalTokens: number;
	costUsd: number;
}

export function topUsers(db: Database, adminId: string, range: AnalyticsRange, now: number): Promise<TopUser[]> {
	const window = rangeWindow(range, now);
	return withAdminPowers(db, adminId, async (tx) =>
		(await topUsersByCost(tx, window.grain, window.from, TOP_USERS)).map(({ costMicros, ...row }) => ({ ...row, costUsd: dollars(costMicros) }))
	);
}

export interface RecentError {
	id: string;
	createdAt: Date;
	userId: string;
	email: string | null;
	endpoint: string;
	provider: string;
	model: string;
	latencyMs: number | null;
	message: string;
}

export interface ErrorsReport {
	/** Failed calls in the range (from the rollups). */
	total: number;
	/** The latest RECENT_ERRORS of them, with their text. */
	recent: RecentError[];
}

export function recentErrors(db: Database, adminId: string, range: AnalyticsRange, now: number): Promise<ErrorsReport> {
	const window = rangeWindow(range, now);
	return withAdminPowers(db, adminId, async (tx) => {
		const rows = await modelBuckets(tx, window.grain, window.from);
		const recent = await errorsSince(tx, window.from, RECENT_ERRORS);
		return {
			total: rows.reduce((sum, row) => sum + row.errors, 0),
			recent: recent.map(({ id, errorMessage, ...row }) => ({ ...row, id: id.toString(), message: errorMessage ?? 'No message was recorded.' }))
		};
	});
}

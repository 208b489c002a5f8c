import type { AnalyticsRange } from '$lib/schemas/admin-analytics';
import { withAdminPowers, type Database } from '../db';
import { dailyModelPage, dailyUserPage, errorsSince, type DailyModelCursor, type DailyModelExportRow, type DailyUserCursor, type ErrorCursor } from './analytics.repo';
import { rangeWindow } from './analytics.service';
import { addHistogram, emptyHistogram, quantile } from './histogram';

/**
 * CSV exports of the dashboards' tables, as async row sources for csvResponse: each page of
 * PAGE_ROWS is read in its own short transaction (never one held open while a slow client
 * downloads), so an export of any size holds one page in memory.
 *
 * Usage exports are by UTC day; for the 24-hour range they cover the two days those hours touch.
 */

const PAGE_ROWS = 1_000;

export const EXPORT_REPORTS = ['usage-by-day', 'usage-by-model', 'usage-by-user', 'errors'] as const;
export type ExportReport = (typeof EXPORT_REPORTS)[number];

export interface CsvExport {
	filename: string;
	header: readonly string[];
	rows: AsyncIterable<readonly unknown[]>;
}

const micros = (usd: string) => Math.round(Number(usd) * 1e6);
const usd = (value: number) => (value / 1e6).toFixed(6);

async function* dailyModelRows(db: Database, adminId: string, fromDate: string): AsyncGenerator<DailyModelExportRow> {
	let after: DailyModelCursor | null = null;
	for (;;) {
		const page = await withAdminPowers(db, adminId, (tx) => dailyModelPage(tx, fromDate, PAGE_ROWS, after));
		yield* page;
		const last = page.at(-1);
		if (!last || page.length < PAGE_ROWS) return;
		after = { date: last.date, model: last.model, endpoint: last.endpoint };
	}
}

const USAGE_COLUMNS = ['requests', 'successes', 'errors', 'cancelled', 'rate_limited', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cost_usd'] as const;
const LATENCY_COLUMNS = ['latency_p50_ms', 'latency_p95_ms', 'ttft_p50_ms', 'ttft_p95_ms'] as const;

function usageCells(row: Omit<DailyModelExportRow, 'date' | 'model' | 'endpoint' | 'costUsd'>, costMicros: number): unknown[] {
	return [row.requests, row.successes, row.errors, row.cancelled, row.rateLimited, row.promptTokens, row.completionTokens, row.totalTokens, usd(costMicros)];
}

function latencyCells(latency: readonly number[], ttft: readonly number[]): unknown[] {
	return [quantile(latency, 0.5), quantile(latency, 0.95), quantile(ttft, 0.5), quantile(ttft, 0.95)];
}

/** One line per day (all models): rows arrive ordered by date, so a day is complete when the next starts. */
async function* usageByDay(db: Database, adminId: string, fromDate: string): AsyncGenerator<readonly unknown[]> {
	type Day = Omit<DailyModelExportRow, 'model' | 'endpoint' | 'costUsd'> & { costMicros: number };
	let day: Day | null = null;
	const line = (d: Day) => [d.date, ...usageCells(d, d.costMicros), ...latencyCells(d.latencyBuckets, d.ttftBuckets)];
	for await (const row of dailyModelRows(db, adminId, fromDate)) {
		if (day && day.date !== row.date) {
			yield line(day);
			day = null;
		}
		day ??= { ...row, requests: 0, successes: 0, errors: 0, cancelled: 0, rateLimited: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costMicros: 0, latencyBuckets: emptyHistogram(), ttftBuckets: emptyHistogram() };
		day.requests += row.requests;
		day.successes += row.successes;
		day.errors += row.errors;
		day.cancelled += row.cancelled;
		day.rateLimited += row.rateLimited;
		day.promptTokens += row.promptTokens;
		day.completionTokens += row.completionTokens;
		day.totalTokens += row.totalTokens;
		day.costMicros += micros(row.costUsd);
		// Latencies of answers only, as on the dashboard.
		if (row.endpoint === 'chat') {
			addHistogram(day.latencyBuckets, row.latencyBuckets);
			addHistogram(day.ttftBuckets, row.ttftBuckets);
		}
	}
	if (day) yield line(day);
}

async function* usageByModel(db: Database, adminId: string, fromDate: string): AsyncGenerator<readonly unknown[]> {
	for await (const row of dailyModelRows(db, adminId, fromDate)) {
		yield [row.date, row.model, row.endpoint, ...usageCells(row, micros(row.costUsd)), ...latencyCells(row.latencyBuckets, row.ttftBuckets)];
	}
}

async function* usageByUser(db: Database, adminId: string, fromDate: string): AsyncGenerator<readonly unknown[]> {
	let after: DailyUserCursor | null = null;
	for (;;) {
		const page = await withAdminPowers(db, adminId, (tx) => dailyUserPage(tx, fromDate, PAGE_ROWS, after));
		for (const row of page) yield [row.date, row.userId, row.email, row.tier, row.requests, row.errors, row.totalTokens, row.costUsd];
		const last = page.at(-1);
		if (!last || page.length < PAGE_ROWS) return;
		after = { date: last.date, userId: last.userId };
	}
}

async function* errors(db: Database, adminId: string, from: Date): AsyncGenerator<readonly unknown[]> {
	let after: ErrorCursor | null = null;
	for (;;) {
		const page = await withAdminPowers(db, adminId, (tx) => errorsSince(tx, from, PAGE_ROWS, after));
		for (const row of page) yield [row.createdAt, row.email ?? '', row.userId, row.model, row.provider, row.endpoint, row.latencyMs, row.errorMessage ?? ''];
		const last = page.at(-1);
		if (!last || page.length < PAGE_ROWS) return;
		after = { createdAt: last.createdAt, id: last.id };
	}
}

export function csvExport(db: Database, adminId: string, report: ExportReport, range: AnalyticsRange, now: number): CsvExport {
	const window = rangeWindow(range, now);
	const fromDate = window.from.toISOString().slice(0, 10);
	const stamp = new Date(now).toISOString().slice(0, 10);
	const filename = `airassist-${report}-${range}-${stamp}.csv`;
	switch (report) {
		case 'usage-by-day':
			return { filename, header: ['date', ...USAGE_COLUMNS, ...LATENCY_COLUMNS], rows: usageByDay(db, adminId, fromDate) };
		case 'usage-by-model':
			return { filename, header: ['date', 'model', 'endpoint', ...USAGE_COLUMNS, ...LATENCY_COLUMNS], rows: usageByModel(db, adminId, fromDate) };
		case 'usage-by-user':
			return { filename, header: ['date', 'user_id', 'email', 'tier', 'requests', 'errors', 'total_tokens', 'cost_usd'], rows: usageByUser(db, adminId, fromDate) };
		case 'errors':
			return { filename, header: ['created_at', 'email', 'user_id', 'model', 'provider', 'endpoint', 'latency_ms', 'message'], rows: errors(db, adminId, window.from) };
	}
}

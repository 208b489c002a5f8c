import { z } from 'zod';
import { QUOTA_KINDS, type QuotaKind, type QuotaWarning } from '$lib/usage/types';
import type { Database, UserTransaction } from '../db';

type Queryable = Pick<UserTransaction, '$queryRaw'>;

export interface ReserveArgs {
	userId: string;
	endpoint: string;
	model: string;
	promptTokens: number;
	maxOutputTokens: number;
	minOutputTokens: number;
	/** US dollars per million tokens, as decimal strings (numeric columns). */
	inputPricePer1m: string;
	outputPricePer1m: string;
	countsAsRequest: boolean;
	messageId: string | null;
	ttlSeconds: number;
}

export type ReserveOutcome =
	| { admitted: true; reservationId: string; grantedOutputTokens: number; warnings: QuotaWarning[] }
	| { admitted: false; kind: QuotaKind; limit: number; used: number; resetAt: Date | null };

interface ReserveRow {
	reservation_id: string | null;
	granted_output_tokens: bigint | number | null;
	refused_kind: string | null;
	limit_value: { toString(): string } | number | null;
	used: { toString(): string } | number | null;
	reset_at: Date | null;
	warnings: unknown;
}

function isQuotaKind(value: unknown): value is QuotaKind {
	return QUOTA_KINDS.some((kind) => kind === value);
}

function toNumber(value: { toString(): string } | number | bigint | null | undefined): number {
	if (value === null || value === undefined) return 0;
	return typeof value === 'number' ? value : Number(value.toString());
}

const warningsSchema = z.array(
	z.object({
		kind: z.enum(QUOTA_KINDS),
		limit: z.coerce.number(),
		used: z.coerce.number(),
		resetAt: z.coerce.date().nullable().catch(null)
	})
);

function parseWarnings(raw: unknown): QuotaWarning[] {
	const parsed = warningsSchema.safeParse(raw ?? []);
	return parsed.success ? parsed.data : [];
}

/**
 * Books a call's worst case against the user's limits, atomically across processes
 * (SQL: reserve_quota, under a per-user advisory lock). Commits with the caller's transaction, or
 * on its own when called on the client outside one.
 */
export async function reserveQuota(tx: Queryable, args: ReserveArgs): Promise<ReserveOutcome> {
	const rows = await tx.$queryRaw<ReserveRow[]>`
		select reservation_id::text as reservation_id, granted_output_tokens, refused_kind, limit_value, used, reset_at, warnings
		from public.reserve_quota(${args.userId}::uuid, ${args.endpoint}, ${args.model}, ${args.promptTokens}::bigint,
			${args.maxOutputTokens}::bigint, ${args.minOutputTokens}::bigint, ${args.inputPricePer1m}::numeric,
			${args.outputPricePer1m}::numeric, ${args.countsAsRequest}, ${args.messageId}::uuid, ${args.ttlSeconds}::int)`;
	return toOutcome(rows[0], 'reserve_quota');
}

export interface RebookArgs {
	reservationId: string;
	promptTokens: number;
	maxOutputTokens: number;
	minOutputTokens: number;
	inputPricePer1m: string;
	outputPricePer1m: string;
	ttlSeconds: number;
}

/**
 * Ends a reservation and books its call at a new size in one statement (SQL:
 * rebook_quota_reservation, 047), checking every limit again without counting the request twice.
 * Refused: the old reservation is gone as well.
 */
export async function rebookReservation(tx: Queryable, args: RebookArgs): Promise<ReserveOutcome> {
	const rows = await tx.$queryRaw<ReserveRow[]>`
		select reservation_id::text as reservation_id, granted_output_tokens, refused_kind, limit_value, used, reset_at, warnings
		from public.rebook_quota_reservation(${args.reservationId}::uuid, ${args.promptTokens}::bigint, ${args.maxOutputTokens}::bigint,
			${args.minOutputTokens}::bigint, ${args.inputPricePer1m}::numeric, ${args.outputPricePer1m}::numeric, ${args.ttlSeconds}::int)`;
	return toOutcome(rows[0], 'rebook_quota_reservation');
}

function toOutcome(row: ReserveRow | undefined, source: string): ReserveOutcome {
	if (!row) throw new Error(`${source} returned no row`);
	if (row.reservation_id) {
		return { admitted: true, reservationId: row.reservation_id, grantedOutputTokens: toNumber(row.granted_output_tokens), warnings: parseWarnings(row.warnings) };
	}
	if (!isQuotaKind(row.refused_kind)) throw new Error(`${source} refused with an unknown kind ${String(row.refused_kind)}`);
	return { admitted: false, kind: row.refused_kind, limit: toNumber(row.limit_value), used: toNumber(row.used), resetAt: row.reset_at };
}

/** Keeps a running call's reservation alive; false when it is already gone. */
export async function extendReservation(tx: Queryable, reservationId: string, ttlSeconds: number): Promise<boolean> {
	const rows = await tx.$queryRaw<{ extended: boolean | null }[]>`
		select public.extend_quota_reservation(${reservationId}::uuid, ${ttlSeconds}::int) as extended`;
	return rows[0]?.extended === true;
}

/** Ends a reservation; log the call's real usage in the same transaction. */
export async function releaseReservation(tx: Queryable, reservationId: string): Promise<boolean> {
	const rows = await tx.$queryRaw<{ released: boolean }[]>`select public.release_quota_reservation(${reservationId}::uuid) as released`;
	return rows[0]?.released === true;
}

/** Deletes every expired reservation (left by a process that died mid-call). Runs as the app. */
export async function sweepExpiredReservations(db: Database): Promise<number> {
	const rows = await db.prisma.$queryRaw<{ swept: number }[]>`select public.sweep_quota_reservations() as swept`;
	return Number(rows[0]?.swept ?? 0);
}

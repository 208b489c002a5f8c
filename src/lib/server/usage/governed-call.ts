import type { QuotaWarning } from '$lib/usage/types';
import { costUsd, type Price } from '../ai/pricing';
import { ProviderError, type TokenUsage } from '../ai/provider';
import { asUser, type Database, type UserTransaction } from '../db';
import { AppError } from '../errors';
import type { AppServices } from '../services';
import { describeRefusal } from './quota-messages';
import type { ReserveOutcome } from './quota.repo';

/**
 * Every upstream model call (chat answers, titles, embeddings, model tests) goes through here:
 * reserve its worst case against the user's quota → call → settle to the real usage and log it,
 * in one transaction. Streaming answers use the phases separately (reserveCall before the stream,
 * settleCall in the transaction that saves the answer); short calls use governedCall.
 */

export interface GovernedDeps {
	db: Database;
	services: AppServices;
}

export type UsageEndpoint = 'chat' | 'chat.title' | 'embedding' | 'model.test';

export interface PricedModel {
	modelName: string;
	inputPricePer1m: Price;
	outputPricePer1m: Price;
}

export interface CallSpec {
	userId: string;
	endpoint: UsageEndpoint;
	/** Provider name for the log ('openai', 'openai-compatible', 'offline'). */
	provider: string;
	model: PricedModel;
	/** Counted before the call (the prompt as it will be sent). */
	promptTokens: number;
	/** The most output tokens the call may produce (embeddings: 0). */
	maxOutputTokens: number;
	/** Below this many output tokens left, refuse instead of granting a stub (default: 64 or the max). */
	minOutputTokens?: number;
	/** A user's message counts against requests per minute/day; background calls don't. */
	countsAsRequest: boolean;
	sessionId?: string | null;
	messageId?: string | null;
}

/** The offline assistant calls no model: it costs nothing, whatever the configured prices. */
export function isFree(provider: string): boolean {
	return provider === 'offline';
}

/** Reservations outlive a stalled writer by this long; a running call extends its own. */
export const RESERVATION_TTL_SECONDS = 120;
const DEFAULT_MIN_OUTPUT_TOKENS = 64;
const ZERO_PRICE = '0';

export interface Reservation {
	readonly id: string;
	readonly spec: CallSpec;
	/** Send this as max_tokens: the reservation covers no more. */
	readonly grantedOutputTokens: number;
	/** Limits at 80 % or more after this call. */
	readonly warnings: QuotaWarning[];
}

export interface CallOutcome {
	status: 'success' | 'error' | 'cancelled';
	usage: Pick<TokenUsage, 'promptTokens' | 'completionTokens'>;
	latencyMs: number | null;
	timeToFirstTokenMs: number | null;
	errorMessage: string | null;
}

function pricesOf(spec: CallSpec): { input: string; output: string } {
	if (isFree(spec.provider)) return { input: ZERO_PRICE, output: ZERO_PRICE };
	const text = (price: Price) => (typeof price === 'string' ? price : price.toFixed(6));
	return { input: text(spec.model.inputPricePer1m), output: text(spec.model.outputPricePer1m) };
}

/**
 * Books the call's worst case (committed before the call starts), or throws TOO_MANY_REQUESTS
 * naming the limit; a refusal is logged as `rate_limited` and nothing else is written.
 */
export async function reserveCall(deps: GovernedDeps, spec: CallSpec): Promise<Reservation> {
	// One statement in its own transaction, run as the app: reserve_quota() takes the user's lock
	// and checks every limit itself, and this is the only database work between the prompt and the
	// upstream request, so it is kept to a single round trip.
	const outcome = await deps.services.quota.reserve(deps.db.prisma, reserveArgs(spec, spec.countsAsRequest));
	if (!outcome.admitted) return refuse(deps, spec, outcome);
	return { id: outcome.reservationId, spec, grantedOutputTokens: outcome.grantedOutputTokens, warnings: outcome.warnings };
}

/**
 * Moves a reservation to a new size (a chat answer's prompt once its knowledge base sources are
 * in): one statement ends the old booking and checks the new one against every limit, without
 * counting the request again. Refused: the old booking is gone too, and the refusal is thrown as
 * reserveCall throws it.
 */
export async function rebookCall(deps: GovernedDeps, reservation: Reservation, size: Pick<CallSpec, 'promptTokens' | 'maxOutputTokens'>): Promise<Reservation> {
	const spec: CallSpec = { ...reservation.spec, ...size };
	const { promptTokens, maxOutputTokens, minOutputTokens, inputPricePer1m, outputPricePer1m, ttlSeconds } = reserveArgs(spec, false);
	const outcome = await deps.services.quota.rebook(deps.db.prisma, { reservationId: reservation.id, promptTokens, maxOutputTokens, minOutputTokens, inputPricePer1m, outputPricePer1m, ttlSeconds });
	if (!outcome.admitted) return refuse(deps, spec, outcome);
	// The request was counted by the first booking, and its warnings said so.
	const requestWarnings = reservation.warnings.filter((warning) => warning.kind === 'requests_per_minute' || warning.kind === 'requests_per_day');
	return { id: outcome.reservationId, spec, grantedOutputTokens: outcome.grantedOutputTokens, warnings: [...requestWarnings, ...outcome.warnings] };
}

/** Ends a reservation whose call never started; nothing is logged. */
export function releaseCall(deps: GovernedDeps, reservation: Reservation): Promise<boolean> {
	return deps.db.prisma.$transaction((tx) => deps.services.quota.release(tx, reservation.id));
}

function reserveArgs(spec: CallSpec, countsAsRequest: boolean) {
	const prices = pricesOf(spec);
	const free = isFree(spec.provider);
	return {
		userId: spec.userId,
		endpoint: spec.endpoint,
		model: spec.model.modelName,
		// The offline assistant spends no model tokens: only its request counts.
		promptTokens: free ? 0 : spec.promptTokens,
		maxOutputTokens: free ? 0 : spec.maxOutputTokens,
		minOutputTokens: free ? 0 : Math.min(spec.minOutputTokens ?? DEFAULT_MIN_OUTPUT_TOKENS, spec.maxOutputTokens),
		inputPricePer1m: prices.input,
		outputPricePer1m: prices.output,
		countsAsRequest,
		messageId: spec.messageId ?? null,
		ttlSeconds: RESERVATION_TTL_SECONDS
	};
}

/** A refusal is logged as `rate_limited` (nothing else is written) and thrown with the limit it hit. */
async function refuse(deps: GovernedDeps, spec: CallSpec, outcome: Extract<ReserveOutcome, { admitted: false }>): Promise<never> {
	await asUser(deps.db, spec.userId, (tx) =>
		deps.services.usageLog.log(tx, {
			userId: spec.userId,
			endpoint: spec.endpoint,
			provider: spec.provider,
			model: spec.model.modelName,
			promptTokens: 0,
			completionTokens: 0,
			costUsd: '0.000000',
			latencyMs: null,
			timeToFirstTokenMs: null,
			status: 'rate_limited',
			errorMessage: `quota: ${outcome.kind}`,
			sessionId: spec.sessionId ?? null,
			messageId: null
		})
	);
	const now = deps.services.clock.now();
	const retryAfterSeconds = outcome.resetAt ? Math.max(1, Math.ceil((outcome.resetAt.getTime() - now) / 1000)) : 0;
	const quota = { kind: outcome.kind, limit: outcome.limit, used: outcome.used, resetAt: outcome.resetAt, retryAfterSeconds };
	deps.services.observer.observe({ endpoint: spec.endpoint, provider: spec.provider, model: spec.model.modelName, status: 'rate_limited', latencyMs: null, timeToFirstTokenMs: null });
	throw new AppError('TOO_MANY_REQUESTS', describeRefusal(quota), { quota });
}

/** Keeps a long call's reservation from expiring; false when it was swept (the call stalled). */
export function keepReservationAlive(deps: GovernedDeps, reservation: Reservation): Promise<boolean> {
	return asUser(deps.db, reservation.spec.userId, (tx) => deps.services.quota.extend(tx, reservation.id, RESERVATION_TTL_SECONDS));
}

/**
 * Inside the caller's transaction: ends the reservation and logs what the call really used, so
 * the budget moves from reserved to spent in one commit. Returns the cost (USD, 6 places).
 */
export async function settleCall(deps: Pick<GovernedDeps, 'services'>, tx: UserTransaction, reservation: Reservation, outcome: CallOutcome): Promise<string> {
	const { spec } = reservation;
	const prices = pricesOf(spec);
	const cost = costUsd(outcome.usage, { inputPricePer1m: prices.input, outputPricePer1m: prices.output });
	await deps.services.quota.release(tx, reservation.id);
	await deps.services.usageLog.log(tx, {
		userId: spec.userId,
		endpoint: spec.endpoint,
		provider: spec.provider,
		model: spec.model.modelName,
		promptTokens: outcome.usage.promptTokens,
		completionTokens: outcome.usage.completionTokens,
		costUsd: cost,
		latencyMs: outcome.latencyMs,
		timeToFirstTokenMs: outcome.timeToFirstTokenMs,
		status: outcome.status,
		errorMessage: outcome.errorMessage,
		sessionId: spec.sessionId ?? null,
		messageId: spec.messageId ?? null
	});
	deps.services.observer.observe({
		endpoint: spec.endpoint,
		provider: spec.provider,
		model: spec.model.modelName,
		status: outcome.status,
		latencyMs: outcome.latencyMs,
		timeToFirstTokenMs: outcome.timeToFirstTokenMs
	});
	return cost;
}

export interface CallResult<T> {
	value: T;
	usage: Pick<TokenUsage, 'promptTokens' | 'completionTokens'>;
	timeToFirstTokenMs?: number | null;
}

/**
 * reserve → call → settle + log, for calls that finish in one go (titles, embeddings, model
 * tests). `call` gets the granted output budget; a failure is settled as an error (with the
 * usage a ProviderError reports, if any) and rethrown. `onSettle` runs in the settle
 * transaction, to save the call's result atomically with its log row.
 */
export async function governedCall<T>(
	deps: GovernedDeps,
	spec: CallSpec,
	call: (grant: { maxOutputTokens: number }) => Promise<CallResult<T>>,
	options: { onSettle?: (tx: UserTransaction, value: T) => Promise<void>; describeError?: (error: unknown) => string } = {}
): Promise<T> {
	const { value, settle } = await governedCallSettledLater(deps, spec, call, options);
	await settle();
	return value;
}

export interface SettledLater<T> {
	value: T;
	/** Ends the reservation and logs the call; until then the reservation holds the call's budget. */
	settle: () => Promise<void>;
}

/**
 * governedCall whose success is settled when the caller chooses: a chat's query embedding is
 * settled once the answer's upstream request is on its way, so its log write is not between the
 * question and the first token. A failed call is still settled at once. Call `settle` exactly
 * once; a process that dies first leaves the reservation to expire, as a stalled call does.
 */
export async function governedCallSettledLater<T>(
	deps: GovernedDeps,
	spec: CallSpec,
	call: (grant: { maxOutputTokens: number }) => Promise<CallResult<T>>,
	options: { onSettle?: (tx: UserTransaction, value: T) => Promise<void>; describeError?: (error: unknown) => string } = {}
): Promise<SettledLater<T>> {
	const reservation = await reserveCall(deps, spec);
	const started = deps.services.clock.now();
	let result: CallResult<T>;
	try {
		result = await call({ maxOutputTokens: reservation.grantedOutputTokens });
	} catch (error) {
		const latencyMs = deps.services.clock.now() - started;
		const errorMessage = options.describeError?.(error) ?? (error instanceof Error ? error.message : 'The call failed.');
		const usage = error instanceof ProviderError && error.usage ? error.usage : { promptTokens: 0, completionTokens: 0 };
		await asUser(deps.db, spec.userId, (tx) => settleCall(deps, tx, reservation, { status: 'error', usage, latencyMs, timeToFirstTokenMs: null, errorMessage })
		).catch((settleError: unknown) => deps.services.logger.warn({ err: settleError }, 'could not settle a failed call'));
		throw error;
	}
	const latencyMs = deps.services.clock.now() - started;
	const outcome: CallOutcome = { status: 'success', usage: result.usage, latencyMs, timeToFirstTokenMs: result.timeToFirstTokenMs ?? null, errorMessage: null };
	return {
		value: result.value,
		settle: () =>
			asUser(deps.db, spec.userId, async (tx) => {
				await settleCall(deps, tx, reservation, outcome);
				await options.onSettle?.(tx, result.value);
			})
	};
}

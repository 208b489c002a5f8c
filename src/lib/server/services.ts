import type { Logger } from 'pino';
import type { ChatProvider, EmbeddingProvider } from './ai/provider';
import { embeddingProviderFor, providerFor, type ModelSettings, type ProviderOptions } from './ai/provider-registry';
import { env } from './env';
import { queueIngestion } from './knowledge/ingestion-queue';
import { logger } from './logging/logger';
import { extendReservation, rebookReservation, releaseReservation, reserveQuota } from './usage/quota.repo';
import { logApiUsage } from './usage/usage-log.repo';

/**
 * What request handlers and background work depend on besides the database, injected through the
 * tRPC context (and the test harness), so tests exercise the real code path with another vendor,
 * clock or timeouts instead of reaching into modules.
 */
export interface AppServices {
	/** The provider that answers for a model configuration (a fake server's URL in tests). */
	providers: ProviderLookup;
	/** Quota reservations (SQL: reserve_quota and friends). */
	quota: QuotaStore;
	/** The usage log (SQL: log_api_usage). */
	usageLog: UsageLogStore;
	/** Upstream call observations, for metrics. */
	observer: UpstreamObserver;
	clock: Clock;
	logger: Logger;
	/** Hands new knowledge documents to the ingestion worker (the job queue; tests run them inline). */
	ingestion: IngestionScheduler;
}

export interface IngestionScheduler {
	schedule(documentId: string): Promise<void>;
	/** Re-embeds every chunk with `embedder`, then switches search over to it. */
	scheduleReembedding(embedder: string, requestedBy: string): Promise<void>;
}

export interface ProviderLookup {
	chat(model: ModelSettings): ChatProvider;
	embedding(model: ModelSettings, dimensions: number): EmbeddingProvider;
}

export interface QuotaStore {
	reserve: typeof reserveQuota;
	rebook: typeof rebookReservation;
	extend: typeof extendReservation;
	release: typeof releaseReservation;
}

export interface UsageLogStore {
	log: typeof logApiUsage;
}

export interface UpstreamSample {
	endpoint: string;
	provider: string;
	model: string;
	status: 'success' | 'error' | 'cancelled' | 'rate_limited';
	latencyMs: number | null;
	timeToFirstTokenMs: number | null;
}

export interface UpstreamObserver {
	observe(sample: UpstreamSample): void;
}

export interface Clock {
	/** Milliseconds since the epoch. */
	now(): number;
}

/** Providers from the environment's settings, with options (timeouts, retries) tests may shorten. */
export function providerLookup(options: ProviderOptions = {}): ProviderLookup {
	return {
		chat: (model) => providerFor(model, env(), options),
		embedding: (model, dimensions) => embeddingProviderFor(model, env(), dimensions, { retry: options.retry })
	};
}

const noObserver: UpstreamObserver = { observe: () => undefined };

let observer: UpstreamObserver = noObserver;

/** The metrics module registers itself here at start-up, so services don't import it. */
export function setUpstreamObserver(next: UpstreamObserver): void {
	observer = next;
}

/** The production set, with any part replaced (tests pass providers with short timeouts). */
export function createServices(overrides: Partial<AppServices> = {}): AppServices {
	return {
		providers: overrides.providers ?? providerLookup(),
		quota: overrides.quota ?? { reserve: reserveQuota, rebook: rebookReservation, extend: extendReservation, release: releaseReservation },
		usageLog: overrides.usageLog ?? { log: logApiUsage },
		observer: overrides.observer ?? { observe: (sample) => observer.observe(sample) },
		clock: overrides.clock ?? { now: () => Date.now() },
		logger: overrides.logger ?? logger,
		ingestion: overrides.ingestion ?? queueIngestion
	};
}

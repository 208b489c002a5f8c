import type { Database } from '../db';
import { logger } from '../logging/logger';
import { countActiveUsers, databaseRoundTripMs, databaseSizeBytes } from './metrics.repo';
import { clusterGauges, registry } from './registry';
import { ACTIVE_USER_WINDOW_MS } from './sampler';

/**
 * The Prometheus text for GET /metrics: this process's metrics plus three cluster figures read
 * from the database on each scrape (three small queries). If the database is down, the process
 * metrics are still served and the cluster gauges keep their last values.
 */
export async function renderMetrics(db: Database | null): Promise<string> {
	if (db) {
		try {
			clusterGauges.dbRoundTrip.set((await databaseRoundTripMs(db)) / 1000);
			clusterGauges.dbSize.set(await databaseSizeBytes(db));
			clusterGauges.activeUsers.set(await countActiveUsers(db, new Date(Date.now() - ACTIVE_USER_WINDOW_MS)));
		} catch (error) {
			logger.warn({ err: error }, 'metrics: cluster figures unavailable');
		}
	}
	return registry.metrics();
}

export const METRICS_CONTENT_TYPE = registry.contentType;

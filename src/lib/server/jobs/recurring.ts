import { purgeExpiredEvents } from '../analytics';
import { closeInterruptedAnswers } from '../chat/interrupted';
import { env } from '../env';
import { purgeExpiredSystemMetrics, runMetricsSampler } from '../metrics';
import { sweepExpiredReservations } from '../usage/quota.repo';
import type { RecurringJob } from './job-queue';

/**
 * Work that runs once per cluster on a cron schedule (UTC), whichever app process picks it up.
 * Add a line here to schedule more; the handler gets the app's Database.
 */
export const RECURRING_JOBS: readonly RecurringJob[] = [
	{ name: 'metrics.sample', cron: '* * * * *', run: (db) => runMetricsSampler(db) },
	{
		name: 'analytics.retention',
		cron: '17 3 * * *',
		run: async (db) => {
			const days = env().ANALYTICS_RETENTION_DAYS;
			return { events: await purgeExpiredEvents(db, days), metrics: await purgeExpiredSystemMetrics(db, days) };
		},
		settings: { retryLimit: 3, retryDelaySeconds: 300 }
	},
	// Answers left streaming by a process that died: writers refresh updated_at every 10 s.
	{ name: 'chat.interrupted-sweep', cron: '* * * * *', run: (db) => closeInterruptedAnswers(db, 60_000) },
	// Quota reservations of calls whose process died: running calls extend theirs, so these expired.
	{ name: 'quota.reservation-sweep', cron: '* * * * *', run: (db) => sweepExpiredReservations(db) }
];

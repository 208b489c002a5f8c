import type { Database } from '../db';
import { errorMessage } from '../errors';
import { listAppliedMigrations } from '../db/migrations';

export interface HealthReport {
	status: 'ok' | 'unavailable';
	engine: Database['engine'] | null;
	database: { reachable: boolean; roundTripMs: number | null; error: string | null };
	migrations: { name: string; appliedAt: Date }[];
	uptimeSeconds: number;
	checkedAt: Date;
}

const bootedAt = Date.now();

/** One round trip (`select 1`) plus the migration ledger; never throws. */
export async function checkHealth(openDb: () => Promise<Database>): Promise<HealthReport> {
	const base = { uptimeSeconds: Math.round((Date.now() - bootedAt) / 1000), checkedAt: new Date() };
	let db: Database;
	try {
		db = await openDb();
	} catch (error) {
		return unavailable(null, errorMessage(error), base);
	}
	try {
		const { roundTripMs, migrations } = await db.withSession(async (session) => {
			const started = performance.now();
			await session.query('select 1');
			const roundTripMs = Math.round((performance.now() - started) * 100) / 100;
			return { roundTripMs, migrations: await listAppliedMigrations(session) };
		});
		return {
			status: 'ok',
			engine: db.engine,
			database: { reachable: true, roundTripMs, error: null },
			migrations: migrations.map(({ name, appliedAt }) => ({ name, appliedAt })),
			...base
		};
	} catch (error) {
		return unavailable(db.engine, errorMessage(error), base);
	}
}

function unavailable(engine: HealthReport['engine'], error: string, base: Pick<HealthReport, 'uptimeSeconds' | 'checkedAt'>): HealthReport {
	return { status: 'unavailable', engine, database: { reachable: false, roundTripMs: null, error }, migrations: [], ...base };
}

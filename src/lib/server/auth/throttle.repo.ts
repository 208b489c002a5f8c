import type { Database } from '../db';

/** Throttle events: one row per failed sign-in (per account and per address) and per sign-up. */

export async function recentThrottleEvents(db: Database, action: string, subject: string, since: Date, take: number): Promise<Date[]> {
	const rows = await db.prisma.throttleEvent.findMany({
		where: { action, subject, createdAt: { gt: since } },
		orderBy: { createdAt: 'desc' },
		take,
		select: { createdAt: true }
	});
	return rows.map((row) => row.createdAt);
}

export async function insertThrottleEvents(db: Database, events: { action: string; subject: string }[]): Promise<void> {
	await db.prisma.throttleEvent.createMany({ data: events });
}

export async function deleteThrottleEvents(db: Database, where: { action: string; subject: string } | { before: Date }): Promise<void> {
	await db.prisma.throttleEvent.deleteMany({ where: 'before' in where ? { createdAt: { lt: where.before } } : where });
}

/**
 * Counts a subject's events since `since` and, when fewer than `cap`, records one more — under a
 * transaction-scoped advisory lock on the subject, so simultaneous callers can't all slip under
 * the cap. Returns null when recorded, else the times of the events counted (oldest first).
 */
export async function recordUnderCap(db: Database, action: string, subject: string, since: Date, cap: number): Promise<Date[] | null> {
	return db.prisma.$transaction(async (tx) => {
		await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${subject}))`;
		const recent = await tx.throttleEvent.findMany({
			where: { action, subject, createdAt: { gt: since } },
			orderBy: { createdAt: 'asc' },
			select: { createdAt: true }
		});
		if (recent.length >= cap) return recent.map((row) => row.createdAt);
		await tx.throttleEvent.create({ data: { action, subject } });
		return null;
	});
}

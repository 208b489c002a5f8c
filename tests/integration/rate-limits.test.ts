import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser } from '../../src/lib/server/db/user-context';
import { checkRateLimit, checkUserQuota } from '../../src/lib/server/usage/rate-limit.repo';
import { createUser, type TestUser } from '../support/fixtures';
import { createTestDatabase, testEngine, type TestDatabase } from '../support/test-database';

const CONCURRENT_CALLS = 40;

let test: TestDatabase;
let user: TestUser;

beforeAll(async () => {
	// A pool as wide as the burst, so on the native server every call is its own session racing the others.
	test = await createTestDatabase({ poolSize: CONCURRENT_CALLS });
	await createUser(test.db, 'site-admin'); // the first account becomes admin; the limited user is a regular one
	user = await createUser(test.db, 'limited');
});
afterAll(() => test.dispose());

describe('check_rate_limit', () => {
	it('admits up to the limit, then refuses with the remaining quota and reset time', async () => {
		const check = { userId: user.id, limitType: 'sequential', maxCount: 3, windowSeconds: 3600 };
		const decisions = [];
		for (let i = 0; i < 5; i++) decisions.push(await checkRateLimit(test.db, check));
		expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false, false]);
		expect(decisions.map((decision) => decision.remaining)).toEqual([2, 1, 0, 0, 0]);
		const resetAt = decisions[0]?.resetAt?.getTime() ?? 0;
		expect(resetAt).toBeGreaterThan(Date.now());
		expect(resetAt).toBeLessThanOrEqual(Date.now() + 3600_000);
	});

	it.runIf(testEngine === 'native')(
		`admits exactly N of ${CONCURRENT_CALLS} concurrent calls through a real connection pool`,
		async () => {
			const maxCount = 7;
			const check = { userId: user.id, limitType: 'burst', maxCount, windowSeconds: 3600 };
			const decisions = await Promise.all(Array.from({ length: CONCURRENT_CALLS }, () => checkRateLimit(test.db, check)));
			expect(decisions.filter((decision) => decision.allowed)).toHaveLength(maxCount);
			const stored = await test.db.prisma.rateLimit.findFirstOrThrow({ where: { userId: user.id, limitType: 'burst' } });
			expect(stored.count).toBe(BigInt(maxCount));
		}
	);

	it.runIf(testEngine === 'native')('admits exactly N of concurrent calls made inside per-user transactions', async () => {
		const maxCount = 5;
		const check = { userId: user.id, limitType: 'burst_rls', maxCount, windowSeconds: 3600 };
		const decisions = await Promise.all(Array.from({ length: 20 }, () => asUser(test.db, user.id, (tx) => checkRateLimit(tx, check))));
		expect(decisions.filter((decision) => decision.allowed)).toHaveLength(maxCount);
	});

	it('lets users check only their own limits', async () => {
		const other = await createUser(test.db, 'other');
		await expect(asUser(test.db, user.id, (tx) => checkRateLimit(tx, { userId: other.id, limitType: 'x', maxCount: 1, windowSeconds: 60 }))).rejects.toThrow(
			/not allowed to check limits of another user/
		);
	});
});

describe('check_user_quota', () => {
	it('takes the limit from the user’s tier (free: 10 requests per minute)', async () => {
		const fresh = await createUser(test.db, 'free');
		const decisions = [];
		for (let i = 0; i < 11; i++) decisions.push(await checkUserQuota(test.db, fresh.id, 'requests_per_minute'));
		expect(decisions.filter((decision) => decision.allowed)).toHaveLength(10);
		expect(decisions.at(-1)).toMatchObject({ allowed: false, remaining: 0 });
	});

	it('treats an unlimited tier as always allowed', async () => {
		const big = await createUser(test.db, 'enterprise');
		await test.db.prisma.profile.update({ where: { id: big.id }, data: { tier: 'enterprise' } });
		const decision = await checkUserQuota(test.db, big.id, 'requests_per_day');
		expect(decision).toMatchObject({ allowed: true, remaining: null });
	});
});

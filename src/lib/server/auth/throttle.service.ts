import type { Database } from '../db';
import { AppError, describeWait } from '../errors';
import { deleteThrottleEvents, insertThrottleEvents, recentThrottleEvents, recordUnderCap } from './throttle.repo';

/**
 * Abuse limits on authentication, counted in Postgres so they hold across app processes.
 * Failed sign-ins for one account are first slowed (an exponentially growing wait between
 * attempts) and then refused for a while; failures from one IP address are capped; sign-ups per IP
 * are capped per hour, so free-tier limits can't be dodged by opening new accounts.
 */
export interface ThrottlePolicy {
	windowSeconds: number;
	/** Failures per account allowed at full speed within the window. */
	accountFreeFailures: number;
	/** Failures per account after which sign-in is refused until old failures leave the window. */
	accountLockFailures: number;
	ipLockFailures: number;
	signUpsPerIpPerHour: number;
}

export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = {
	windowSeconds: 15 * 60,
	accountFreeFailures: 5,
	accountLockFailures: 10,
	ipLockFailures: 50,
	signUpsPerIpPerHour: 5
};

const emailSubject = (email: string) => `email:${email.trim().toLowerCase()}`;
const ipSubject = (ip: string) => `ip:${ip}`;

function recentFailures(db: Database, subject: string, policy: ThrottlePolicy, take: number): Promise<Date[]> {
	return recentThrottleEvents(db, 'sign_in_failure', subject, new Date(Date.now() - policy.windowSeconds * 1000), take);
}

function tooMany(waitSeconds: number, what: string): AppError {
	const seconds = Math.max(1, Math.ceil(waitSeconds));
	return new AppError('TOO_MANY_REQUESTS', `${what} Try again in ${describeWait(seconds)}.`, { retryAfterSeconds: seconds });
}

/** Throws TOO_MANY_REQUESTS (with when to retry) if this account or address must wait. */
export async function assertSignInAllowed(db: Database, email: string, ip: string | null, policy = DEFAULT_THROTTLE_POLICY): Promise<void> {
	const now = Date.now();
	const windowMs = policy.windowSeconds * 1000;
	const account = await recentFailures(db, emailSubject(email), policy, policy.accountLockFailures);
	if (account.length >= policy.accountLockFailures) {
		const liftsAt = (account[policy.accountLockFailures - 1]?.getTime() ?? now) + windowMs;
		throw tooMany((liftsAt - now) / 1000, 'Too many failed sign-ins for this account.');
	}
	if (account.length >= policy.accountFreeFailures) {
		const waitMs = 1000 * 2 ** (account.length - policy.accountFreeFailures);
		const allowedAt = (account[0]?.getTime() ?? now) + waitMs;
		if (allowedAt > now) throw tooMany((allowedAt - now) / 1000, 'Too many failed sign-ins for this account.');
	}
	if (ip) {
		const address = await recentFailures(db, ipSubject(ip), policy, policy.ipLockFailures);
		if (address.length >= policy.ipLockFailures) {
			const liftsAt = (address[policy.ipLockFailures - 1]?.getTime() ?? now) + windowMs;
			throw tooMany((liftsAt - now) / 1000, 'Too many failed sign-ins from your network.');
		}
	}
}

export async function recordSignInFailure(db: Database, email: string, ip: string | null): Promise<void> {
	await insertThrottleEvents(db, [{ action: 'sign_in_failure', subject: emailSubject(email) }, ...(ip ? [{ action: 'sign_in_failure', subject: ipSubject(ip) }] : [])]);
	// Keep the table small: events older than a day can never matter again.
	if (Math.random() < 0.02) await deleteThrottleEvents(db, { before: new Date(Date.now() - 86_400_000) });
}

/** A correct password resets the account's count (the address's count stays). */
export async function clearSignInFailures(db: Database, email: string): Promise<void> {
	await deleteThrottleEvents(db, { action: 'sign_in_failure', subject: emailSubject(email) });
}

/**
 * Counts a sign-up against its address, or refuses it. The count and the insert happen under a
 * transaction-scoped advisory lock per address, so simultaneous sign-ups can't all slip under the cap.
 */
export async function reserveSignUp(db: Database, ip: string | null, policy = DEFAULT_THROTTLE_POLICY): Promise<void> {
	if (!ip) return;
	const subject = ipSubject(ip);
	const recent = await recordUnderCap(db, 'sign_up', subject, new Date(Date.now() - 3600_000), policy.signUpsPerIpPerHour);
	if (recent) {
		const oldest = recent[recent.length - policy.signUpsPerIpPerHour]?.getTime() ?? Date.now();
		throw tooMany((oldest + 3600_000 - Date.now()) / 1000, 'Too many new accounts from your network.');
	}
}

import type { ChangePasswordInput, SignInInput, SignUpInput } from '../../schemas/auth';
import { recordEvent } from '../analytics';
import type { Database } from '../db';
import { AppError } from '../errors';
import { toAuthUser, type AuthSession, type AuthUser } from './auth-user';
import { burnPasswordCheck, hashPassword, verifyPassword } from './password';
import { createSession, invalidateSession, invalidateUserSessions, type NewSession, type RequestMeta } from './session.service';
import { assertSignInAllowed, clearSignInFailures, DEFAULT_THROTTLE_POLICY, recordSignInFailure, reserveSignUp, type ThrottlePolicy } from './throttle.service';
import { findSignInCandidate, findUserIdByEmail, insertUser, markSignedIn, setPasswordHash } from './user.repo';

export interface SignedIn {
	user: AuthUser;
	session: NewSession;
}

/** Same words for an unknown email and a wrong password, so the form can't be used to probe for accounts. */
export const INVALID_CREDENTIALS = 'That email and password don’t match an account.';

export async function signUp(db: Database, input: SignUpInput, meta: RequestMeta, policy: ThrottlePolicy = DEFAULT_THROTTLE_POLICY): Promise<SignedIn> {
	if (await findUserIdByEmail(db, input.email)) {
		throw new AppError('CONFLICT', 'An account with this email already exists. Sign in instead.', { field: 'email' });
	}
	await reserveSignUp(db, meta.ip, policy);
	// Hashing (~50 ms of CPU) happens before any transaction opens.
	const passwordHash = await hashPassword(input.password);
	const displayName = input.displayName?.trim() || undefined;
	let created;
	try {
		created = await insertUser(db, { email: input.email.trim(), passwordHash, rawUserMetaData: displayName ? { display_name: displayName } : {}, lastSignInAt: new Date() });
	} catch (cause) {
		// Two sign-ups for the same address at once: the unique index decides, the loser is told plainly.
		if (await findUserIdByEmail(db, input.email)) {
			throw new AppError('CONFLICT', 'An account with this email already exists. Sign in instead.', { field: 'email', cause });
		}
		throw cause;
	}
	const session = await createSession(db, created.id, meta);
	recordEvent(db, { type: 'sign_up', userId: created.id, request: meta });
	return { user: toAuthUser(created), session };
}

export async function signIn(db: Database, input: SignInInput, meta: RequestMeta, policy: ThrottlePolicy = DEFAULT_THROTTLE_POLICY): Promise<SignedIn> {
	await assertSignInAllowed(db, input.email, meta.ip, policy);
	const candidate = await findSignInCandidate(db, { email: input.email });
	const valid = candidate?.passwordHash ? await verifyPassword(candidate.passwordHash, input.password) : await burnPasswordCheck(input.password);
	if (!candidate || !valid) {
		await recordSignInFailure(db, input.email, meta.ip);
		throw new AppError('UNAUTHORIZED', INVALID_CREDENTIALS, { field: 'password' });
	}
	// Only someone who knows the password learns that the account is disabled.
	if (candidate.isDisabled) throw new AppError('FORBIDDEN', 'This account has been disabled. Contact your administrator.');
	await clearSignInFailures(db, input.email);
	await markSignedIn(db, candidate.user.id, new Date());
	const session = await createSession(db, candidate.user.id, meta);
	recordEvent(db, { type: 'sign_in', userId: candidate.user.id, data: { via: 'password' }, request: meta });
	return { user: candidate.user, session };
}

/** Ends the current browser session (API tokens are revoked on their own page) and records the sign-out. */
export async function signOut(db: Database, user: AuthUser | null, session: AuthSession | null, meta: RequestMeta): Promise<void> {
	if (session?.via === 'cookie') await invalidateSession(db, session.id);
	if (user) recordEvent(db, { type: 'sign_out', userId: user.id, request: meta });
}

/** Checks the current password, stores the new one and signs out every other session. */
export async function changePassword(db: Database, userId: string, currentSessionId: string | null, input: ChangePasswordInput): Promise<void> {
	await assertPassword(db, userId, input.currentPassword, 'currentPassword');
	const passwordHash = await hashPassword(input.newPassword);
	await setPasswordHash(db, userId, passwordHash);
	await invalidateUserSessions(db, userId, currentSessionId ?? undefined);
}

/** Re-authentication for sensitive actions (password change, account deletion). */
export async function assertPassword(db: Database, userId: string, password: string, field: string): Promise<void> {
	const candidate = await findSignInCandidate(db, { id: userId });
	if (!candidate?.passwordHash || !(await verifyPassword(candidate.passwordHash, password))) {
		throw new AppError('BAD_REQUEST', 'That password is not correct.', { field });
	}
}

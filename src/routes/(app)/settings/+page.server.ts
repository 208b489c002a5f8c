import { redirect } from '@sveltejs/kit';
import { apiTokenIdInput, createApiTokenInput, signInSessionIdInput, updateProfileInput, updateSettingsInput } from '$lib/schemas/account';
import { changePasswordInput, deleteAccountInput } from '$lib/schemas/auth';
import { deleteAccount, getProfile, listSessions, revokeOtherSessions, revokeSession, updateProfile } from '$lib/server/account/account.service';
import { getSettings, updateSettings } from '$lib/server/account/settings.service';
import { createApiToken, listApiTokens, revokeApiToken } from '$lib/server/auth/api-token.service';
import { changePassword } from '$lib/server/auth/auth.service';
import { clearSessionCookie } from '$lib/server/auth/cookies';
import { asUser, getDatabase } from '$lib/server/db';
import { failed, field, invalid } from '$lib/server/forms';
import { THEME_COOKIE } from '$lib/theme/theme';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

function signedIn(event: RequestEvent) {
	const { user, session } = event.locals;
	if (!user || !session) redirect(303, `/login?redirectTo=${encodeURIComponent(event.url.pathname)}`);
	return { user, sessionId: session.via === 'cookie' ? session.id : null };
}

export const load: PageServerLoad = async (event) => {
	const { user, sessionId } = signedIn(event);
	const db = await getDatabase();
	const [profile, { settings, models }, sessions, apiTokens] = await Promise.all([
		getProfile(db, user.id),
		getSettings(db, user.id),
		listSessions(db, user.id, sessionId),
		asUser(db, user.id, listApiTokens)
	]);
	return { profile, settings, models, sessions, apiTokens };
};

export const actions: Actions = {
	profile: async (event) => {
		const { user } = signedIn(event);
		const data = await event.request.formData();
		const values = { displayName: field(data, 'displayName'), avatarUrl: field(data, 'avatarUrl') };
		const parsed = updateProfileInput.safeParse(values);
		if (!parsed.success) return invalid('profile', values, parsed.error);
		try {
			await updateProfile(await getDatabase(), user.id, parsed.data);
		} catch (error) {
			return failed('profile', values, error);
		}
		return { form: 'profile' as const, saved: true };
	},

	preferences: async (event) => {
		const { user } = signedIn(event);
		const data = await event.request.formData();
		const values = {
			theme: field(data, 'theme'),
			defaultModel: field(data, 'defaultModel'),
			temperature: field(data, 'temperature'),
			maxTokens: field(data, 'maxTokens'),
			systemPrompt: field(data, 'systemPrompt'),
			useKnowledgeBase: data.get('useKnowledgeBase') === 'on',
			language: field(data, 'language') || 'en'
		};
		const parsed = updateSettingsInput.safeParse({ ...values, defaultModel: values.defaultModel || null });
		if (!parsed.success) return invalid('preferences', values, parsed.error);
		try {
			const saved = await updateSettings(await getDatabase(), user.id, parsed.data);
			event.cookies.set(THEME_COOKIE, saved.theme, { path: '/', maxAge: 31_536_000, sameSite: 'lax', httpOnly: false });
		} catch (error) {
			return failed('preferences', values, error);
		}
		return { form: 'preferences' as const, saved: true };
	},

	password: async (event) => {
		const { user, sessionId } = signedIn(event);
		const data = await event.request.formData();
		const parsed = changePasswordInput.safeParse({ currentPassword: field(data, 'currentPassword'), newPassword: field(data, 'newPassword') });
		if (!parsed.success) return invalid('password', {}, parsed.error);
		try {
			await changePassword(await getDatabase(), user.id, sessionId, parsed.data);
		} catch (error) {
			return failed('password', {}, error);
		}
		return { form: 'password' as const, saved: true };
	},

	revokeSession: async (event) => {
		const { user, sessionId } = signedIn(event);
		const parsed = signInSessionIdInput.safeParse({ id: field(await event.request.formData(), 'id') });
		if (!parsed.success) return invalid('sessions', {}, parsed.error);
		try {
			await revokeSession(await getDatabase(), user.id, parsed.data.id);
		} catch (error) {
			return failed('sessions', {}, error);
		}
		if (parsed.data.id === sessionId) {
			clearSessionCookie(event.cookies, event.locals.secureCookies);
			redirect(303, '/login');
		}
		return { form: 'sessions' as const, saved: true };
	},

	revokeOtherSessions: async (event) => {
		const { user, sessionId } = signedIn(event);
		const revoked = await revokeOtherSessions(await getDatabase(), user.id, sessionId);
		return { form: 'sessions' as const, saved: true, revoked };
	},

	createToken: async (event) => {
		const { user } = signedIn(event);
		const data = await event.request.formData();
		const values = { name: field(data, 'name'), expiresInDays: field(data, 'expiresInDays') };
		const parsed = createApiTokenInput.safeParse({ name: values.name, expiresInDays: values.expiresInDays || null });
		if (!parsed.success) return invalid('tokens', values, parsed.error);
		try {
			const { token, apiToken } = await asUser(await getDatabase(), user.id, (tx) => createApiToken(tx, user.id, parsed.data));
			return { form: 'tokens' as const, saved: true, createdToken: { token, name: apiToken.name } };
		} catch (error) {
			return failed('tokens', values, error);
		}
	},

	revokeToken: async (event) => {
		const { user } = signedIn(event);
		const parsed = apiTokenIdInput.safeParse({ id: field(await event.request.formData(), 'id') });
		if (!parsed.success) return invalid('tokens', {}, parsed.error);
		try {
			await asUser(await getDatabase(), user.id, (tx) => revokeApiToken(tx, parsed.data.id));
		} catch (error) {
			return failed('tokens', {}, error);
		}
		return { form: 'tokens' as const, saved: true };
	},

	deleteAccount: async (event) => {
		const { user } = signedIn(event);
		const parsed = deleteAccountInput.safeParse({ password: field(await event.request.formData(), 'password') });
		if (!parsed.success) return invalid('delete', {}, parsed.error);
		try {
			await deleteAccount(await getDatabase(), user.id, parsed.data.password);
		} catch (error) {
			return failed('delete', {}, error);
		}
		clearSessionCookie(event.cookies, event.locals.secureCookies);
		redirect(303, '/?deleted=1');
	}
};

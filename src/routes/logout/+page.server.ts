import { redirect } from '@sveltejs/kit';
import { clearSessionCookie } from '$lib/server/auth/cookies';
import { invalidateSession } from '$lib/server/auth/session.service';
import { getDatabase } from '$lib/server/db';
import type { Actions, PageServerLoad } from './$types';

// Signing out changes state, so it is a POST (the header's form); a plain visit just goes home.
export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ locals, cookies }) => {
		if (locals.session?.via === 'cookie') await invalidateSession(await getDatabase(), locals.session.id);
		clearSessionCookie(cookies, locals.secureCookies);
		redirect(303, '/login');
	}
};

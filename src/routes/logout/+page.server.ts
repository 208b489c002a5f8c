import { redirect } from '@sveltejs/kit';
import { clearSessionCookie } from '$lib/server/auth/cookies';
import { signOut } from '$lib/server/auth/auth.service';
import { getDatabase } from '$lib/server/db';
import type { Actions, PageServerLoad } from './$types';

// Signing out changes state, so it is a POST (the header's form); a plain visit just goes home.
export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ locals, cookies, request }) => {
		await signOut(await getDatabase(), locals.user, locals.session, { ip: locals.clientIp, userAgent: request.headers.get('user-agent') });
		clearSessionCookie(cookies, locals.secureCookies);
		redirect(303, '/login');
	}
};

import { redirect } from '@sveltejs/kit';
import { signInInput } from '$lib/schemas/auth';
import { signIn } from '$lib/server/auth/auth.service';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { getDatabase } from '$lib/server/db';
import { failed, field, invalid, safeRedirectTarget } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
	return { redirectTo: safeRedirectTarget(url.searchParams.get('redirectTo')) };
};

export const actions: Actions = {
	default: async ({ request, cookies, locals, url }) => {
		const data = await request.formData();
		const values = { email: field(data, 'email') };
		const parsed = signInInput.safeParse({ email: values.email, password: field(data, 'password') });
		if (!parsed.success) return invalid('signIn', values, parsed.error);
		try {
			const { session } = await signIn(await getDatabase(), parsed.data, { ip: locals.clientIp, userAgent: request.headers.get('user-agent') });
			setSessionCookie(cookies, session.token, session.expiresAt, locals.secureCookies);
		} catch (error) {
			return failed('signIn', values, error);
		}
		redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
	}
};

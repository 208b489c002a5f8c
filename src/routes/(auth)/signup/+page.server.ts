import { redirect } from '@sveltejs/kit';
import { signUpInput } from '$lib/schemas/auth';
import { signUp } from '$lib/server/auth/auth.service';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { authThrottlePolicy } from '$lib/server/auth/throttle-policy';
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
		const values = { email: field(data, 'email'), displayName: field(data, 'displayName') };
		const parsed = signUpInput.safeParse({ ...values, password: field(data, 'password') });
		if (!parsed.success) return invalid('signUp', values, parsed.error);
		try {
			const { session } = await signUp(await getDatabase(), parsed.data, { ip: locals.clientIp, userAgent: request.headers.get('user-agent') }, authThrottlePolicy());
			setSessionCookie(cookies, session.token, session.expiresAt, locals.secureCookies);
		} catch (error) {
			return failed('signUp', values, error);
		}
		redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
	}
};

import { error, redirect } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';

/**
 * The admin console is for administrators only: anonymous visitors sign in first, signed-in users
 * get a 403. This guards pages; every admin procedure checks again (adminProcedure), since layout
 * loads don't run for the API.
 */
export const load: LayoutServerLoad = ({ locals, url }) => {
	if (!locals.user) redirect(303, `/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
	if (locals.user.role !== 'admin') error(403, 'Only administrators can open the admin console.');
	return { user: locals.user };
};

import { createRequestContext } from '$lib/server/trpc/context';
import { createCaller } from '$lib/server/trpc/router';
import { getDatabase } from '$lib/server/db';
import { checkHealth } from '$lib/server/health/health.service';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	// Through the tRPC caller when the database is up, so the page shows exactly what the API returns.
	try {
		return { health: await createCaller(await createRequestContext(event)).health.check() };
	} catch {
		return { health: await checkHealth(getDatabase) };
	}
};

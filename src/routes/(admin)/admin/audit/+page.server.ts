import { listAuditInput } from '$lib/schemas/admin';
import { listAudit } from '$lib/server/admin/audit.service';
import { adminActorOf } from '$lib/server/admin/request-actor';
import { getDatabase } from '$lib/server/db';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const params = event.url.searchParams;
	const parsed = listAuditInput.safeParse({
		targetType: params.get('targetType') || undefined,
		targetId: params.get('targetId') || undefined,
		actorId: params.get('actorId') || undefined,
		action: params.get('action') || undefined
	});
	// A hand-edited address shows the whole log rather than failing.
	const filter = parsed.success ? parsed.data : listAuditInput.parse({});
	return {
		filter: { targetType: filter.targetType ?? '', targetId: filter.targetId ?? '', actorId: filter.actorId ?? '', action: filter.action ?? '' },
		page: await listAudit(await getDatabase(), adminActorOf(event), filter)
	};
};

import { error, type RequestEvent } from '@sveltejs/kit';
import type { AdminActor } from './audit.repo';

/**
 * For admin endpoints and page loads outside tRPC (CSV downloads, form actions): the signed-in
 * admin as an audit actor, or a 403. Layouts don't guard `+server.ts` endpoints, so each calls this.
 */
export function adminActorOf(event: Pick<RequestEvent, 'locals' | 'request'>): AdminActor {
	const user = event.locals.user;
	if (!user || user.role !== 'admin') error(403, 'Only administrators can do that.');
	return { id: user.id, email: user.email, ip: event.locals.clientIp, userAgent: event.request.headers.get('user-agent'), requestId: event.locals.requestId };
}

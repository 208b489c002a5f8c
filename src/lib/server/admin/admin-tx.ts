import { forgetAllowedModels } from '../chat/models.service';
import { withAdminPowers, type Database, type UserTransaction } from '../db';
import { AppError } from '../errors';
import { actorIsAdmin, type AdminActor } from './audit.repo';

/**
 * An admin change: one transaction as the admin, holding the change and its audit row. The role is
 * checked again inside it (the session's copy may be seconds old: another admin may just have
 * demoted this one), and row level security checks is_admin() on every statement. Afterwards this
 * process forgets cached model lists at once; other processes hear of it from the database (025).
 */
export async function asAdmin<T>(db: Database, actor: AdminActor, work: (tx: UserTransaction) => Promise<T>, options: { affectsModels?: boolean } = {}): Promise<T> {
	const result = await withAdminPowers(db, actor.id, async (tx) => {
		if (!(await actorIsAdmin(tx))) throw new AppError('FORBIDDEN', 'Only administrators can do that.');
		try {
			return await work(tx);
		} catch (error) {
			// Demoted by another admin while this waited for a row lock: from then on row level
			// security hides what it was changing, which would read as "not found".
			if (error instanceof AppError && error.code === 'NOT_FOUND' && !(await actorIsAdmin(tx))) {
				throw new AppError('FORBIDDEN', 'You are no longer an administrator.', { cause: error });
			}
			throw error;
		}
	});
	if (options.affectsModels) forgetAllowedModels();
	return result;
}

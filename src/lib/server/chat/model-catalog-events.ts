import type { Database } from '../db';
import { forgetAllowedModels } from './models.service';

/**
 * Which models a user may pick changes when an admin edits models, tiers, a user's tier or their
 * limit overrides, in any app process. The database announces each such commit on this channel
 * (025's triggers: a user id, or '*' for everyone), and every process drops what it cached.
 */
export const MODEL_CATALOG_CHANNEL = 'airassist_model_catalog';

/** Subscribes this process's model cache to the database's announcements; returns how to stop. */
export function followModelCatalog(db: Database): Promise<() => Promise<void>> {
	return db.listen(MODEL_CATALOG_CHANNEL, {
		onNotify: (payload) => forgetAllowedModels(payload === '*' || payload === '' ? undefined : payload),
		// Announcements sent while the connection was down are lost: forget everything instead.
		onGap: () => forgetAllowedModels()
	});
}

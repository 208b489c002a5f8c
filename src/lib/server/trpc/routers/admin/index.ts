import { router } from '../../init';
import { adminAuditRouter } from './audit';
import { adminModelsRouter } from './models';
import { adminTiersRouter } from './tiers';
import { adminUsersRouter } from './users';

/** The admin console's API. Every procedure is an adminProcedure: FORBIDDEN to everyone else. */
export const adminRouter = router({
	models: adminModelsRouter,
	tiers: adminTiersRouter,
	users: adminUsersRouter,
	audit: adminAuditRouter
});

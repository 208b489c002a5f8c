import { router } from '../../init';
import { adminAnalyticsRouter } from './analytics';
import { adminAuditRouter } from './audit';
import { adminModelsRouter } from './models';
import { adminSystemRouter } from './system';
import { adminTiersRouter } from './tiers';
import { adminUsersRouter } from './users';

/** The admin console's API. Every procedure is an adminProcedure: FORBIDDEN to everyone else. */
export const adminRouter = router({
	models: adminModelsRouter,
	tiers: adminTiersRouter,
	users: adminUsersRouter,
	audit: adminAuditRouter,
	analytics: adminAnalyticsRouter,
	system: adminSystemRouter
});

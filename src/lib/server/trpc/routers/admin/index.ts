import { router } from '../../init';
import { adminAnalyticsRouter } from './analytics';
import { adminSystemRouter } from './system';

/** Everything under `admin.*`: each procedure is an adminProcedure (FORBIDDEN to everyone else). */
export const adminRouter = router({
	analytics: adminAnalyticsRouter,
	system: adminSystemRouter
});

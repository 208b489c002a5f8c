import { createCallerFactory, router } from './init';
import { accountRouter } from './routers/account';
import { adminRouter } from './routers/admin';
import { analyticsRouter } from './routers/analytics';
import { authRouter } from './routers/auth';
import { chatRouter } from './routers/chat';
import { healthRouter } from './routers/health';
import { knowledgeRouter } from './routers/knowledge';
import { settingsRouter } from './routers/settings';
import { usageRouter } from './routers/usage';

/** Every area's router, merged. Its type is the client's whole contract. */
export const appRouter = router({
	health: healthRouter,
	auth: authRouter,
	account: accountRouter,
	settings: settingsRouter,
	chat: chatRouter,
	usage: usageRouter,
	analytics: analyticsRouter,
	admin: adminRouter,
	knowledge: knowledgeRouter
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);

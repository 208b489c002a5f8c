import { createCallerFactory, router } from './init';
import { healthRouter } from './routers/health';

/** Every area's router, merged. Its type is the client's whole contract. */
export const appRouter = router({
	health: healthRouter
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);

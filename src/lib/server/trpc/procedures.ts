import { baseProcedure } from './init';

/** Anyone may call it. `authedProcedure` and `adminProcedure` arrive with accounts. */
export const publicProcedure = baseProcedure;

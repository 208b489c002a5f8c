import { listAuditInput } from '$lib/schemas/admin';
import { listAudit } from '../../../admin/audit.service';
import { router } from '../../init';
import { adminProcedure } from '../../procedures';

export const adminAuditRouter = router({
	list: adminProcedure.input(listAuditInput).query(({ ctx, input }) => listAudit(ctx.db, ctx.actor, input))
});

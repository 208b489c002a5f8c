import { createModelInput, modelIdInput, updateModelInput } from '$lib/schemas/admin';
import { createModel, deleteModel, listModels, setDefaultModel, testModel, updateModel } from '../../../admin/models.service';
import { router } from '../../init';
import { adminProcedure } from '../../procedures';

export const adminModelsRouter = router({
	/** Every model configuration, with whether it has its own API key (never the key). */
	list: adminProcedure.query(({ ctx }) => listModels(ctx.db, ctx.actor)),
	create: adminProcedure.input(createModelInput).mutation(({ ctx, input }) => createModel(ctx.db, ctx.actor, input)),
	update: adminProcedure.input(updateModelInput).mutation(({ ctx, input }) => updateModel(ctx.db, ctx.actor, input)),
	/** Refused while the model is the last active chat model, a default, or someone's default. */
	delete: adminProcedure.input(modelIdInput).mutation(({ ctx, input }) => deleteModel(ctx.db, ctx.actor, input.id)),
	setDefault: adminProcedure.input(modelIdInput).mutation(({ ctx, input }) => setDefaultModel(ctx.db, ctx.actor, input.id)),
	/** One token (or one embedding) through the governed call: latency, or the upstream's error in words. */
	test: adminProcedure.input(modelIdInput).mutation(({ ctx, input }) => testModel({ db: ctx.db, services: ctx.services }, ctx.actor, input.id))
});

import type { UserTransaction } from '../db';
import type { ModelConfiguration } from '../db/generated/client';

/** Full configurations of the named models (the caller decided which the user may use). */
export function modelConfigurationsNamed(tx: UserTransaction, names: string[]): Promise<ModelConfiguration[]> {
	return tx.modelConfiguration.findMany({ where: { modelName: { in: names } } });
}

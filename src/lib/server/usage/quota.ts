import type { UserTransaction } from '../db';
import type { ModelConfiguration } from '../db/generated/client';

/**
 * Checked before every model call, inside the transaction that saves the user's message. Today it
 * admits everything: tier quotas (check_user_quota, the monthly cost cap) are enforced here by the
 * usage-governance work, so the chat code path doesn't change when they arrive.
 */
export async function assertWithinQuota(_tx: UserTransaction, _userId: string, _model: ModelConfiguration): Promise<void> {}

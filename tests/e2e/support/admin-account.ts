import os from 'node:os';
import path from 'node:path';
import { BUILT_PORT } from '../servers';

/**
 * The e2e server's administrator: the first account on its fresh database (005 makes the first
 * account the admin), signed up by admin.setup.ts before any spec runs. Its signed-in browser
 * state is saved here for specs to reuse.
 */
export const ADMIN_ACCOUNT = { name: 'Site Admin', email: 'e2e-admin@example.test', password: 'a long enough admin passphrase' } as const;

export const ADMIN_STORAGE_STATE = path.join(os.tmpdir(), `airassist-e2e-admin-${BUILT_PORT}.json`);

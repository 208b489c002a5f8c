/**
 * Ports chosen away from the defaults so a developer's running app doesn't collide with the tests.
 * E2E_PORT_OFFSET shifts them all, so two checkouts can run the browser tests side by side.
 */
const OFFSET = Number(process.env.E2E_PORT_OFFSET ?? 0) || 0;
export const BUILT_PORT = 4319 + OFFSET;
export const DEV_PORT = 5319 + OFFSET;
export const BUILT_SERVER_URL = `http://127.0.0.1:${BUILT_PORT}`;
export const DEV_SERVER_URL = `http://127.0.0.1:${DEV_PORT}`;
/** The fake model server the built app is pointed at (playwright.config.ts starts it). */
export const FAKE_LLM_PORT = 11439 + OFFSET;
export const FAKE_LLM_URL = `http://127.0.0.1:${FAKE_LLM_PORT}/v1`;
/** Its loopback control endpoint, to make the next answer fail (scripts/dev-fake-llm.ts). */
export const FAKE_LLM_CONTROL_PORT = 11440 + OFFSET;
/** The built server started the way the README says: only PORT set (playwright.config.ts). */
export const FIRST_RUN_PORT = 4329 + OFFSET;
/** A built server of its own for the admin console test: on its empty database, the first sign-up is the admin. */
export const ADMIN_PORT = 4339 + OFFSET;
export const ADMIN_SERVER_URL = `http://127.0.0.1:${ADMIN_PORT}`;

/** Ports chosen away from the defaults so a developer's running app doesn't collide with the tests. */
export const BUILT_PORT = 4319;
export const DEV_PORT = 5319;
export const BUILT_SERVER_URL = `http://127.0.0.1:${BUILT_PORT}`;
export const DEV_SERVER_URL = `http://127.0.0.1:${DEV_PORT}`;
/** The fake model server the built app is pointed at (playwright.config.ts starts it). */
export const FAKE_LLM_PORT = 11439;
export const FAKE_LLM_URL = `http://127.0.0.1:${FAKE_LLM_PORT}/v1`;
/** Its loopback control endpoint, to make the next answer fail (scripts/dev-fake-llm.ts). */
export const FAKE_LLM_CONTROL_PORT = 11440;

/** Ports chosen away from the defaults so a developer's running app doesn't collide with the tests. */
export const BUILT_PORT = 4319;
export const DEV_PORT = 5319;
export const BUILT_SERVER_URL = `http://127.0.0.1:${BUILT_PORT}`;
export const DEV_SERVER_URL = `http://127.0.0.1:${DEV_PORT}`;

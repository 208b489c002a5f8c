/**
 * Calls per HTTP batch. The client splits larger batches; the server refuses them, so one request
 * cannot start thousands of procedures at once.
 */
export const MAX_BATCH_SIZE = 50;

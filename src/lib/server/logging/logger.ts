import pino from 'pino';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Structured JSON logs on stdout; `LOG_LEVEL` controls verbosity. The level is read leniently here
 * (the logger must exist to report bad configuration); env.ts still rejects a bad value at boot.
 */
export const logger = pino({
	level: LEVELS.includes(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL : 'info',
	base: { app: 'airassist' },
	redact: ['req.headers.cookie', 'req.headers.authorization', '*.password', '*.token']
});

/**
 * The few raw-SQL operations the migration runner and health check need, over either driver.
 * Prisma can't run multi-statement scripts or hold a session-level advisory lock, so these go
 * straight to PGlite or a dedicated node-postgres connection.
 */
export interface SqlSession {
	query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
	/** Runs a script of several statements (simple query protocol, no parameters). */
	exec(script: string): Promise<void>;
	transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
}

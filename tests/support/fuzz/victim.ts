import type { Database } from '../../../src/lib/server/db/client';

/** Every row that belongs to one user, per table, as JSON text in a stable order. */
export type RowSnapshot = Record<string, string[]>;

/**
 * Found from the catalogue rather than listed: every table with a `user_id` column (sessions,
 * messages, api tokens, settings, shares, usage…), plus the user's own rows in auth.users and
 * public.profiles, and every row attached to the user's chats whoever wrote it. A table added
 * later is covered without editing the test.
 */
export async function snapshotUserRows(db: Database, userId: string): Promise<RowSnapshot> {
	return db.withSession(async (session) => {
		const tables = await session.query<{ schema: string; name: string; key: string }>(
			`select table_schema as schema, table_name as name, column_name as key
			   from information_schema.columns
			  where table_schema in ('public', 'auth') and column_name = 'user_id'
			 union all
			 select 'auth', 'users', 'id'
			 union all
			 select 'public', 'profiles', 'id'
			 order by 1, 2`
		);
		const snapshot: RowSnapshot = {};
		for (const { schema, name, key } of tables) {
			const rows = await session.query<{ row: string }>(`select row_to_json(t)::text as row from "${schema}"."${name}" t where t."${key}" = $1::uuid`, [userId]);
			snapshot[`${schema}.${name}`] = rows.map((row) => row.row).sort();
		}
		// Rows anyone attaches to the user's chats (a message, a share) belong to those chats too.
		const linked = await session.query<{ name: string }>(
			`select table_name as name from information_schema.columns where table_schema = 'public' and column_name = 'session_id' order by 1`
		);
		for (const { name } of linked) {
			const rows = await session.query<{ row: string }>(
				`select row_to_json(t)::text as row from public."${name}" t where t.session_id in (select id from public.chat_sessions where user_id = $1::uuid)`,
				[userId]
			);
			snapshot[`public.${name} in the user's chats`] = rows.map((row) => row.row).sort();
		}
		return snapshot;
	});
}

/** How many rows a snapshot holds, for the suite's printed counts. */
export function rowCount(snapshot: RowSnapshot): number {
	return Object.values(snapshot).reduce((total, rows) => total + rows.length, 0);
}

import type { SqlSession } from '../../src/lib/server/db/sql-session';

/** The schema objects of AirAssist's two schemas, as text, for comparing one database state with another. */
export interface CatalogSnapshot {
	columns: string[];
	constraints: string[];
	indexes: string[];
	functions: string[];
	policies: string[];
	triggers: string[];
	views: string[];
	enums: string[];
	rlsTables: string[];
	grants: string[];
}

const SCHEMAS = `('public', 'auth')`;

export async function snapshotCatalog(session: SqlSession): Promise<CatalogSnapshot> {
	const lines = async (sql: string) => (await session.query<{ line: string }>(sql)).map((row) => row.line);
	return {
		columns: await lines(`
			select format('%s.%s.%s %s null=%s default=%s', table_schema, table_name, column_name,
			              case when data_type = 'USER-DEFINED' then udt_name else data_type end, is_nullable, coalesce(column_default, '')) as line
			from information_schema.columns where table_schema in ${SCHEMAS} order by 1`),
		constraints: await lines(`
			select format('%s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) as line
			from pg_constraint where connamespace::regnamespace::text in ${SCHEMAS} order by 1`),
		indexes: await lines(`select indexdef as line from pg_indexes where schemaname in ${SCHEMAS} order by 1`),
		functions: await lines(`
			select format('%s.%s(%s) %s definer=%s %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
			              pg_get_function_result(p.oid), p.prosecdef, md5(p.prosrc)) as line
			from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname in ${SCHEMAS} order by 1`),
		policies: await lines(`
			select format('%s.%s "%s" %s %s to %s using(%s) check(%s)', schemaname, tablename, policyname, permissive, cmd, roles, qual, with_check) as line
			from pg_policies where schemaname in ${SCHEMAS} order by 1`),
		triggers: await lines(`
			select format('%s %s', tgrelid::regclass, pg_get_triggerdef(oid)) as line
			from pg_trigger where not tgisinternal and tgrelid::regclass::text not like 'pg_%' order by 1`),
		views: await lines(`
			select format('%s.%s %s %s', schemaname, viewname, md5(definition), coalesce((select array_to_string(reloptions, ',') from pg_class where oid = format('%I.%I', schemaname, viewname)::regclass), '')) as line
			from pg_views where schemaname in ${SCHEMAS} order by 1`),
		enums: await lines(`
			select format('%s %s', t.typname, string_agg(e.enumlabel, ',' order by e.enumsortorder)) as line
			from pg_type t join pg_enum e on e.enumtypid = t.oid join pg_namespace n on n.oid = t.typnamespace
			where n.nspname in ${SCHEMAS} group by t.typname order by 1`),
		rlsTables: await lines(`
			select format('%s.%s rls=%s', n.nspname, c.relname, c.relrowsecurity) as line
			from pg_class c join pg_namespace n on n.oid = c.relnamespace
			where n.nspname in ${SCHEMAS} and c.relkind = 'r' order by 1`),
		grants: await lines(`
			select format('%s.%s %s %s', table_schema, table_name, grantee, string_agg(privilege_type, ',' order by privilege_type)) as line
			from information_schema.role_table_grants
			where table_schema in ${SCHEMAS} and grantee in ('anon', 'authenticated', 'service_role')
			group by table_schema, table_name, grantee order by 1`)
	};
}

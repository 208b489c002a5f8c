import { readFileSync } from 'node:fs';
import { getDMMF } from '@prisma/get-dmmf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * prisma/schema.prisma must describe exactly the tables the SQL migrations create: every model and
 * field is checked against the live catalog of a freshly migrated database (table, column, type,
 * nullability, enum values), and every column in the catalog must be modelled.
 */

const schemaText = readFileSync('prisma/schema.prisma', 'utf8');
const dmmf = getDMMF({ datamodel: schemaText });
if ('error' in dmmf) throw new Error(`prisma/schema.prisma does not parse: ${JSON.stringify(dmmf)}`);
const { models, enums } = dmmf.datamodel;

/** Columns Prisma can only declare as Unsupported(...): DMMF leaves them out, so they are listed here. */
const UNSUPPORTED_COLUMNS: Record<string, string> = {
	'public.knowledge_base.embedding': 'vector(1536)',
	'public.knowledge_base.pending_embedding': 'vector(1536)',
	'public.knowledge_base.search_vector': 'tsvector'
};

interface CatalogColumn {
	table: string;
	column: string;
	type: string;
	nullable: boolean;
}

let test: TestDatabase;
let columns: CatalogColumn[];
let catalogEnums: Map<string, string[]>;

beforeAll(async () => {
	test = await createTestDatabase();
	columns = await test.db.withSession((session) =>
		session.query<CatalogColumn>(`
			select n.nspname || '.' || c.relname as table, a.attname as column,
			       format_type(a.atttypid, a.atttypmod) as type, not a.attnotnull as nullable
			from pg_attribute a
			join pg_class c on c.oid = a.attrelid
			join pg_namespace n on n.oid = c.relnamespace
			where n.nspname in ('public', 'auth') and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
			order by 1, 2`)
	);
	const enumRows = await test.db.withSession((session) =>
		session.query<{ name: string; labels: string[] }>(`
			select t.typname as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
			from pg_type t join pg_enum e on e.enumtypid = t.oid join pg_namespace n on n.oid = t.typnamespace
			where n.nspname = 'public' group by t.typname`)
	);
	catalogEnums = new Map(enumRows.map((row) => [row.name, row.labels]));
});
afterAll(() => test.dispose());

type Field = (typeof models)[number]['fields'][number];

/** The Postgres type (as format_type prints it) that a Prisma scalar field maps to. */
function expectedType(field: Field): string {
	const [nativeName, nativeArgs] = field.nativeType ?? [null, []];
	const base = (() => {
		if (field.kind === 'enum') return enums.find((candidate) => candidate.name === field.type)?.dbName ?? field.type;
		switch (nativeName) {
			case 'Uuid':
				return 'uuid';
			case 'Inet':
				return 'inet';
			case 'Date':
				return 'date';
			case 'Timestamptz':
				return `timestamp(${nativeArgs[0] ?? 6}) with time zone`;
			case 'Decimal':
				return `numeric(${nativeArgs.join(',')})`;
			case 'Text':
				return 'text';
			case null:
				break;
			default:
				return `unmapped native type ${nativeName}`;
		}
		const defaults: Record<string, string> = {
			String: 'text',
			Int: 'integer',
			BigInt: 'bigint',
			Boolean: 'boolean',
			Float: 'double precision',
			Json: 'jsonb',
			DateTime: 'timestamp(3) without time zone',
			Decimal: 'numeric(65,30)'
		};
		return defaults[field.type] ?? `unmapped type ${field.type}`;
	})();
	return field.isList ? `${base}[]` : base;
}

/** format_type prints timestamptz(6) as plain "timestamp with time zone" (6 is the default precision). */
function normalise(type: string): string {
	return type.replace('timestamp(6) with time zone', 'timestamp with time zone').replace(/numeric\((\d+),(\d+)\)/, 'numeric($1,$2)');
}

describe('Prisma schema ↔ migrated database', () => {
	it('models every table of the public and auth schemas', () => {
		const modelled = new Set(models.map((model) => `${model.schema}.${model.dbName ?? model.name}`));
		const tables = new Set(columns.map((column) => column.table));
		expect([...modelled].sort()).toEqual([...tables].sort());
	});

	it.each(models.map((model) => [model.name, model] as const))('%s: every field matches its column (name, type, nullability)', (_name, model) => {
		const table = `${model.schema}.${model.dbName ?? model.name}`;
		const tableColumns = new Map(columns.filter((column) => column.table === table).map((column) => [column.column, column]));
		const problems: string[] = [];
		for (const field of model.fields.filter((candidate) => candidate.kind === 'scalar' || candidate.kind === 'enum')) {
			const name = field.dbName ?? field.name;
			const column = tableColumns.get(name);
			if (!column) {
				problems.push(`${field.name}: no column ${table}.${name}`);
				continue;
			}
			tableColumns.delete(name);
			const expected = normalise(expectedType(field));
			if (normalise(column.type) !== expected) problems.push(`${field.name}: Prisma says ${expected}, database has ${column.type}`);
			// Prisma lists are never null; SQL arrays may be (null = "no restriction"), so only scalars are compared.
			if (!field.isList && field.isRequired === column.nullable) {
				problems.push(`${field.name}: Prisma says ${field.isRequired ? 'required' : 'optional'}, column is ${column.nullable ? 'nullable' : 'not null'}`);
			}
		}
		for (const [name, column] of tableColumns) {
			const unsupported = UNSUPPORTED_COLUMNS[`${table}.${name}`];
			if (unsupported && column.type === unsupported && schemaText.includes(`Unsupported("${unsupported}")`)) continue;
			problems.push(`column ${table}.${name} (${column.type}) has no field in model ${model.name}`);
		}
		expect(problems).toEqual([]);
	});

	it.each(enums.map((enumeration) => [enumeration.name, enumeration] as const))('enum %s has the same values as its Postgres type', (_name, enumeration) => {
		const dbName = enumeration.dbName ?? enumeration.name;
		expect(catalogEnums.get(dbName)).toEqual(enumeration.values.map((value) => value.dbName ?? value.name));
	});
});

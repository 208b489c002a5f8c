import fc from 'fast-check';
import type { SchemaNode } from './procedures';

/**
 * fast-check generators of hostile procedure inputs. Inputs are JavaScript values; the wire layer
 * serialises them with superjson, so NaN, Infinity, -0, BigInt, Date, Map, Set and undefined reach
 * the server the way a real tRPC client would send them.
 */

/** Ids and names the generators aim at: other people's rows (foreign) and the caller's own. */
export interface KnownValues {
	/** uuids of real rows: chats, messages, tokens, shares, users. */
	uuids: readonly string[];
	/** Sign-in session ids (hex SHA-256 of a cookie token). */
	sessionIds: readonly string[];
	emails: readonly string[];
}

const SAMPLE_UUID = '7b9cff3f-4c6d-4f5c-8507-95611170b50b';

/** Ids that look almost right, and classic injection strings, that once reached Postgres as text. */
export const MALFORMED_IDS = [
	'abc',
	'',
	' ',
	'0',
	'-1',
	'null',
	'undefined',
	'00000000-0000-0000-0000-000000000000',
	'ffffffff-ffff-ffff-ffff-ffffffffffff',
	SAMPLE_UUID.slice(0, -1),
	`{${SAMPLE_UUID}}`,
	SAMPLE_UUID.toUpperCase(),
	SAMPLE_UUID.replaceAll('-', ''),
	`${SAMPLE_UUID}\u0000`,
	` ${SAMPLE_UUID}`,
	`${SAMPLE_UUID}' OR '1'='1`,
	"' OR '1'='1",
	'1; drop table auth.users; --',
	'../../etc/passwd',
	'%00',
	'a'.repeat(64),
	'A'.repeat(64),
	'g'.repeat(64),
	'f'.repeat(63),
	'f'.repeat(65),
	'x'.repeat(5000)
];

const STRANGE_STRINGS = [
	'\u0000',
	'a\u0000b',
	'\u0000'.repeat(40),
	'\ud800',
	'\udfff',
	'a\ud83d',
	'\udc00\ud800',
	'x\ud800y\u0000z',
	'\ud83d\ude00',
	'\r\n',
	'\u2028\u2029',
	'\ufeff',
	'\u202eevil',
	'\u0007\u001b[31m',
	"'; select pg_sleep(5); --",
	'%',
	'_',
	'\\',
	'$1',
	'${process.env}',
	'{{constructor}}',
	'<script>alert(1)</script>',
	'__proto__',
	'constructor',
	'prototype',
	'toString',
	'NaN',
	'Infinity',
	'-0',
	'1e400',
	'null',
	'true',
	'[]',
	'{}',
	'Ａ𝕏',
	' ',
	''
];

const HOSTILE_NUMBERS = [
	0,
	-0,
	-1,
	1,
	0.5,
	-0.5,
	2 ** 31,
	-(2 ** 31),
	2 ** 32,
	2 ** 53,
	2 ** 53 + 2,
	-(2 ** 53),
	1e21,
	1e308,
	-1e308,
	Number.MAX_VALUE,
	Number.MIN_VALUE,
	Number.EPSILON,
	NaN,
	Infinity,
	-Infinity,
	200_001,
	100_000_000
];

function nest(depth: number, leaf: unknown, asObject: boolean): unknown {
	let value = leaf;
	for (let level = 0; level < depth; level++) value = asObject ? { a: value } : [value];
	return value;
}

const nulText = fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 })).map(([head, tail]) => `${head}\u0000${tail}`);
const controlText = fc.string({ unit: fc.integer({ min: 0, max: 31 }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 12 });
/** Long texts around the caps (200,000 characters; 500 KB of JSON), in 1-, 3- and 6-byte characters. */
const longText = fc
	.tuple(fc.constantFrom(1_000, 8_001, 199_999, 200_001, 250_000), fc.constantFrom('a', '中', '😀', '\u0000', '"', '\u0001'))
	.map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
	{ weight: 4, arbitrary: fc.constantFrom(...STRANGE_STRINGS) },
	{ weight: 3, arbitrary: nulText },
	{ weight: 2, arbitrary: controlText },
	{ weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
	{ weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
	{ weight: 2, arbitrary: fc.constantFrom(...MALFORMED_IDS) },
	{ weight: 1, arbitrary: longText }
);

const hostileNumber: fc.Arbitrary<number | bigint> = fc.oneof(
	{ weight: 4, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
	{ weight: 2, arbitrary: fc.double() },
	{ weight: 2, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 }) },
	{ weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 128n), max: 2n ** 128n }) }
);

/** Values of the wrong type for any field. */
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
	fc.constant(null),
	fc.constant(undefined),
	fc.boolean(),
	fc.constant([]),
	fc.constant({}),
	fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
	fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
	fc.constantFrom(new Date(0), new Date(8.64e15), new Map([['a', 1]]), new Set([1, 2]), /(a+)+$/),
	fc.integer({ min: 20, max: 300 }).map((depth) => nest(depth, 'x', depth % 2 === 0))
);

/** Any hostile value, aimed at the ids of `known` a third of the time. */
export function hostileValue(known: KnownValues): fc.Arbitrary<unknown> {
	return fc.oneof(
		{ weight: 5, arbitrary: hostileString },
		{ weight: 3, arbitrary: hostileNumber },
		{ weight: 3, arbitrary: wrongType },
		{ weight: 4, arbitrary: knownId(known) }
	);
}

function knownId(known: KnownValues): fc.Arbitrary<string> {
	const pools = [...known.uuids, ...known.sessionIds, ...known.emails];
	return fc.constantFrom(...pools, ...pools.map((value) => value.toUpperCase()));
}

/** A value `schema` accepts (mostly): real ids of `known`, strings within bounds, numbers within range. */
export function validValue(schema: SchemaNode, known: KnownValues, key = ''): fc.Arbitrary<unknown> {
	const branches = schema.anyOf ?? schema.oneOf;
	if (branches && branches.length > 0) return fc.oneof(...branches.map((branch) => validValue(branch, known, key)));
	if (schema.const !== undefined) return fc.constant(schema.const);
	if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
	const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
	switch (type) {
		case 'string':
			return validString(schema, known, key);
		case 'integer': {
			const min = Math.max(schema.minimum ?? -1e6, -(2 ** 31));
			const max = Math.min(schema.maximum ?? 1e6, 2 ** 31);
			return fc.oneof({ weight: 3, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: fc.constantFrom(min, max) });
		}
		case 'number': {
			const min = schema.minimum ?? -1e6;
			const max = schema.maximum ?? 1e6;
			return fc.oneof({ weight: 3, arbitrary: fc.double({ min, max, noNaN: true, noDefaultInfinity: true }) }, { weight: 1, arbitrary: fc.constantFrom(min, max) });
		}
		case 'boolean':
			return fc.boolean();
		case 'null':
			return fc.constant(null);
		case 'array':
			return fc.array(schema.items ? validValue(schema.items, known) : fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 });
		case 'object':
			return validObject(schema, known);
		default:
			return fc.jsonValue({ maxDepth: 2 });
	}
}

function validString(schema: SchemaNode, known: KnownValues, key: string): fc.Arbitrary<string> {
	if (schema.format === 'uuid') return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known.uuids) }, { weight: 1, arbitrary: fc.uuid() });
	if (schema.pattern === '^[0-9a-f]{64}$') return fc.oneof(fc.constantFrom(...known.sessionIds), fc.stringMatching(/^[0-9a-f]{64}$/));
	if (schema.format === 'uri') return fc.constantFrom('https://example.test/avatar.png', 'http://127.0.0.1/a.png', 'javascript:alert(1)', 'data:text/html,x');
	if (/email/i.test(key)) return fc.oneof(fc.emailAddress(), fc.constantFrom(...known.emails));
	if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern), { size: 'xsmall' });
	const minLength = schema.minLength ?? 0;
	const short = fc.string({ minLength, maxLength: Math.max(minLength, Math.min(schema.maxLength ?? 40, 40)) });
	if (schema.maxLength === undefined) return short;
	// Exactly as long as allowed, in 1- and 3-byte characters: a column narrower than the schema fails here.
	const longest = fc.constantFrom('x', 'é', '中', ' ').map((unit) => (unit === ' ' ? `a${' '.repeat(Math.max(0, (schema.maxLength ?? 1) - 2))}z` : unit.repeat(schema.maxLength ?? 1)));
	return fc.oneof({ weight: 4, arbitrary: short }, { weight: 1, arbitrary: longest });
}

function validObject(schema: SchemaNode, known: KnownValues): fc.Arbitrary<Record<string, unknown>> {
	const properties = schema.properties ?? {};
	const model = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, validValue(property, known, key)]));
	return fc.record(model, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) });
}

/** The object branch of a schema (a oneOf of objects, as analytics.track has), if there is one. */
function objectShape(schema: SchemaNode | null): SchemaNode | null {
	if (!schema) return null;
	if (schema.type === 'object' && schema.properties) return schema;
	for (const branch of schema.anyOf ?? schema.oneOf ?? []) {
		const found = objectShape(branch);
		if (found) return found;
	}
	return null;
}

/**
 * Inputs shaped like what the procedure expects, with one or more fields made hostile, dropped, or
 * joined by unexpected keys; a quarter are fully valid and aimed at known ids (foreign rows).
 * Procedures without an object input get hostile values and stray objects.
 */
export function structuredInput(schema: SchemaNode | null, known: KnownValues): fc.Arbitrary<unknown> {
	const hostile = hostileValue(known);
	const shape = objectShape(schema);
	if (!shape?.properties || Object.keys(shape.properties).length === 0) {
		return fc.oneof(hostile, fc.dictionary(fc.constantFrom('id', 'input', 'json', 'userId', 'role', 'admin'), hostile, { maxKeys: 3 }));
	}
	const keys = Object.keys(shape.properties);
	const base = validObject(shape, known);
	const unexpectedKey = fc.constantFrom('userId', 'user_id', 'role', 'isAdmin', 'tier', 'id', 'constructor', 'toString', 'then', 'extra');
	return fc.oneof(
		{ weight: 3, arbitrary: base },
		{ weight: 6, arbitrary: fc.tuple(base, fc.constantFrom(...keys), hostile).map(([value, key, bad]) => ({ ...value, [key]: bad })) },
		{
			weight: 2,
			arbitrary: fc
				.tuple(base, fc.subarray(keys, { minLength: 1 }), fc.array(hostile, { minLength: keys.length, maxLength: keys.length }))
				.map(([value, chosen, bad]) => ({ ...value, ...Object.fromEntries(chosen.map((key, index) => [key, bad[index]])) }))
		},
		{
			weight: 1,
			arbitrary: fc.tuple(base, fc.constantFrom(...keys)).map(([value, key]) => Object.fromEntries(Object.entries(value).filter(([name]) => name !== key)))
		},
		{ weight: 1, arbitrary: fc.tuple(base, unexpectedKey, hostile).map(([value, key, bad]) => ({ ...value, [key]: bad })) }
	);
}

/** Whole inputs of the wrong kind: anything JSON or superjson can carry. */
export function anyInput(known: KnownValues): fc.Arbitrary<unknown> {
	return fc.oneof(hostileValue(known), fc.jsonValue({ maxDepth: 4 }), fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true }));
}

/** Deeply nested input: arrays or objects `depth` levels down (JSON text built without recursion). */
export function deepJsonText(depth: number, asObject: boolean): string {
	return asObject ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

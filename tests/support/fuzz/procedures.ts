import { z } from 'zod';
import type { AnyRouter } from '@trpc/server';

export type ProcedureType = 'query' | 'mutation' | 'subscription';

/** A JSON Schema node, as much of it as the generators read. */
export interface SchemaNode {
	type?: string | string[];
	properties?: Record<string, SchemaNode>;
	required?: string[];
	items?: SchemaNode;
	anyOf?: SchemaNode[];
	oneOf?: SchemaNode[];
	enum?: unknown[];
	const?: unknown;
	format?: string;
	pattern?: string;
	minLength?: number;
	maxLength?: number;
	minimum?: number;
	maximum?: number;
	default?: unknown;
	additionalProperties?: boolean | SchemaNode;
}

export interface ProcedureInfo {
	path: string;
	type: ProcedureType;
	/** The input as JSON Schema (zod's own conversion), or null for a procedure without input. */
	input: SchemaNode | null;
}

interface ProcedureDef {
	type: ProcedureType;
	inputs: unknown[];
}

function isProcedure(value: unknown): value is { _def: ProcedureDef } {
	return typeof value === 'function' && '_def' in value && typeof value._def === 'object' && value._def !== null && 'type' in value._def;
}

function inputSchema(def: ProcedureDef): SchemaNode | null {
	// Chained .input() calls merge objects; the generators only need the first one's shape.
	const first = def.inputs[0];
	if (!(first instanceof z.ZodType)) return null;
	// 'input' is what a client sends (before defaults and transforms); unrepresentable parts become {}.
	const { $schema: _ignored, ...schema } = z.toJSONSchema(first, { io: 'input', unrepresentable: 'any' });
	return schema as SchemaNode;
}

/**
 * Every procedure of `router`, found by walking its definition: nested routers recursively and
 * lazy routers once loaded. A procedure added to the app is listed without editing any test.
 */
export async function listProcedures(router: AnyRouter): Promise<ProcedureInfo[]> {
	const lazy: Record<string, { load(): Promise<void> }> = router._def.lazy;
	while (Object.keys(lazy).length > 0) await Promise.all(Object.values(lazy).map((loader) => loader.load()));
	const found: ProcedureInfo[] = [];
	const walk = (record: Record<string, unknown>, prefix: string[]) => {
		for (const [key, value] of Object.entries(record)) {
			const path = [...prefix, key];
			if (isProcedure(value)) found.push({ path: path.join('.'), type: value._def.type, input: inputSchema(value._def) });
			else if (typeof value === 'object' && value !== null) walk(value as Record<string, unknown>, path);
		}
	};
	walk(router._def.record, []);
	return found;
}

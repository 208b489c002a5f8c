/** pgvector's text form, '[0.1,0.2,…]', used as a bind parameter cast with ::vector. */
export const EMBEDDING_DIMENSIONS = 1536;

export function toVectorLiteral(values: readonly number[]): string {
	if (values.length !== EMBEDDING_DIMENSIONS) {
		throw new RangeError(`An embedding must have ${EMBEDDING_DIMENSIONS} dimensions, got ${values.length}`);
	}
	if (!values.every(Number.isFinite)) throw new RangeError('An embedding must contain only finite numbers');
	return `[${values.join(',')}]`;
}

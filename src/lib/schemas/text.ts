import { z } from 'zod';

/**
 * Every string that reaches Postgres goes through one of these. Postgres text and jsonb cannot hold
 * U+0000 (error 22021), and a NUL is invisible in a text box, so a person could never find it to
 * delete it: in what people write or paste, it is dropped. Where the client picks a value from a
 * list (a model id, a language code, a cursor), a control character means a broken client: refused.
 * Future inputs (knowledge-base uploads, admin forms) use the same helpers; `stripNul` is for text
 * that arrives outside zod, such as extracted file contents.
 */
export function stripNul(value: string): string {
	return value.includes('\0') ? value.replaceAll('\0', '') : value;
}

/** Free text a person typed or pasted: messages, titles, names, instructions, search terms. */
export function userText() {
	return z.string().overwrite(stripNul);
}

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** A machine-chosen token (model id, language code, cursor): no control characters at all. */
export function tokenText(what = 'This value') {
	return z.string().refine((value) => !CONTROL_CHARACTERS.test(value), `${what} must not contain control characters`);
}

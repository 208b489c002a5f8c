import { stringify, type Options } from 'csv-stringify/sync';
import { logger } from '../logging/logger';

/**
 * RFC 4180 with CRLF records. Cells that a spreadsheet would run as a formula (=, +, -, @ …) get a
 * leading apostrophe: exports carry text people typed (names, upstream error messages), and
 * opening one must never execute it. Numbers are never escaped, so negative figures stay numbers.
 */
const CSV_OPTIONS: Options = {
	record_delimiter: 'windows',
	escape_formulas: true,
	cast: {
		date: (value) => value.toISOString(),
		boolean: (value) => (value ? 'true' : 'false'),
		bigint: (value) => value.toString(),
		object: (value) => (hasOwnToString(value) ? String(value) : JSON.stringify(value))
	}
};

/** Prisma's Decimal and similar value types print themselves; plain objects become JSON. */
function hasOwnToString(value: object): boolean {
	return typeof value.toString === 'function' && value.toString !== Object.prototype.toString;
}

/**
 * Excel reads a CSV as the system's legacy code page unless it starts with a byte order mark;
 * with it, names and messages in any script open correctly. Other tools skip it.
 */
const UTF8_BOM = '\ufeff';

/** Rows are encoded in batches of about this many characters, so a large export is a few hundred chunks, not millions. */
const CHUNK_CHARS = 64 * 1024;

/** One line of a CSV file (with its CRLF), for a header or a row. */
export function csvLine(cells: readonly unknown[]): string {
	return stringify([[...cells]], CSV_OPTIONS);
}

/**
 * A CSV download, streamed: rows are pulled from `rows` only as fast as the client reads, so an
 * export of any size holds one chunk in memory. If the source fails mid-way the stream is
 * aborted (the browser reports a failed download) rather than ending as a silently short file.
 */
export function csvResponse(filename: string, header: readonly string[], rows: AsyncIterable<readonly unknown[]>): Response {
	const encoder = new TextEncoder();
	let iterator: AsyncIterator<readonly unknown[]> | null = null;
	let headerSent = false;

	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			let text = '';
			if (!headerSent) {
				headerSent = true;
				text = UTF8_BOM + csvLine(header);
			}
			iterator ??= rows[Symbol.asyncIterator]();
			try {
				while (text.length < CHUNK_CHARS) {
					const next = await iterator.next();
					if (next.done) {
						if (text) controller.enqueue(encoder.encode(text));
						controller.close();
						return;
					}
					text += csvLine(next.value);
				}
			} catch (error) {
				logger.error({ err: error, filename }, 'CSV export failed part-way');
				controller.error(new Error('The export failed part-way; try again.'));
				return;
			}
			controller.enqueue(encoder.encode(text));
		},
		async cancel() {
			// The client went away: let the source close its cursor or stop paging.
			await iterator?.return?.();
		}
	});

	return new Response(body, {
		headers: {
			'content-type': 'text/csv; charset=utf-8; header=present',
			'content-disposition': contentDisposition(filename),
			'cache-control': 'private, no-store',
			'x-content-type-options': 'nosniff'
		}
	});
}

/** An attachment header with an ASCII fallback and the exact name in RFC 5987 form. */
function contentDisposition(filename: string): string {
	const name = filename.endsWith('.csv') ? filename : `${filename}.csv`;
	const ascii = name.replace(/[^\x20-\x7e]|["\\/]/g, '_');
	return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

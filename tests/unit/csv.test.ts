import { describe, expect, it } from 'vitest';
import { csvResponse } from '../../src/lib/server/http/csv';

async function* from(rows: readonly (readonly unknown[])[]): AsyncGenerator<readonly unknown[]> {
	for (const row of rows) yield row;
}

describe('csvResponse', () => {
	it('writes a BOM, the header and RFC 4180 rows with quoting, and names the attachment', async () => {
		const response = csvResponse('usage by day.csv', ['day', 'note', 'cost'], from([
			[new Date('2026-01-02T00:00:00Z'), 'plain', 1.5],
			[null, 'has "quotes", commas\nand a newline', -2],
			[undefined, 'ünïcode', 10n]
		]));
		expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
		expect(response.headers.get('content-disposition')).toBe(`attachment; filename="usage by day.csv"; filename*=UTF-8''usage%20by%20day.csv`);
		const bytes = new Uint8Array(await response.arrayBuffer());
		expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)).toBe(
			'\ufeffday,note,cost\r\n2026-01-02T00:00:00.000Z,plain,1.5\r\n,"has ""quotes"", commas\nand a newline",-2\r\n,ünïcode,10\r\n'
		);
	});

	it('defuses text a spreadsheet would run as a formula, but leaves negative numbers alone', async () => {
		const text = await csvResponse('x', ['a', 'b'], from([['=HYPERLINK("http://evil")', -3], ['@SUM(A1)', '+1']])).text();
		expect(text).toBe('a,b\r\n"\'=HYPERLINK(""http://evil"")",-3\r\n\'@SUM(A1),\'+1\r\n');
	});

	it('pulls rows only as the reader asks for them, and stops the source when the reader cancels', async () => {
		let produced = 0;
		let closed = false;
		async function* endless(): AsyncGenerator<readonly unknown[]> {
			try {
				for (;;) {
					produced++;
					yield [produced, 'x'.repeat(100)];
				}
			} finally {
				closed = true;
			}
		}
		const reader = csvResponse('big', ['n', 'pad'], endless()).body!.getReader();
		await reader.read();
		// One chunk is about 64 K characters: a few hundred rows, not the whole (endless) source.
		expect(produced).toBeGreaterThan(100);
		expect(produced).toBeLessThan(2_000);
		await reader.cancel();
		expect(closed).toBe(true);
	});

	it('aborts the download when the source fails part-way instead of ending a short file', async () => {
		async function* failing(): AsyncGenerator<readonly unknown[]> {
			yield [1];
			throw new Error('connection lost');
		}
		await expect(csvResponse('x', ['n'], failing()).text()).rejects.toThrow('The export failed part-way');
	});

	it('keeps non-ASCII names in filename* and replaces them in the fallback', () => {
		const response = csvResponse('usägé/"x"', ['a'], from([]));
		expect(response.headers.get('content-disposition')).toBe(`attachment; filename="us_g___x_.csv"; filename*=UTF-8''us%C3%A4g%C3%A9%2F%22x%22.csv`);
	});
});

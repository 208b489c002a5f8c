import { convert, type FormatCallback } from 'html-to-text';
import mammoth from 'mammoth';
import { extractText, getDocumentProxy } from 'unpdf';
import { stripNul } from '$lib/schemas/text';
import { AppError, errorMessage } from '../errors';
import type { DocumentFormat } from './types';

/**
 * Files to text. Every format ends as plain text with Markdown headings (`## Title`), which the
 * chunker follows; a PDF keeps its pages apart with form feeds (\f) so chunks know their page.
 * NUL characters are dropped, as in everything people type or paste (see $lib/schemas/text).
 */

export interface Extracted {
	format: DocumentFormat;
	text: string;
}

const EXTENSIONS: Record<string, DocumentFormat> = {
	txt: 'text',
	text: 'text',
	md: 'markdown',
	markdown: 'markdown',
	html: 'html',
	htm: 'html',
	pdf: 'pdf',
	docx: 'docx'
};

export const SUPPORTED_EXTENSIONS = Object.keys(EXTENSIONS);

/** The format a file name says it is, or a message naming what is supported. */
export function formatOfFileName(fileName: string): DocumentFormat {
	const extension = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? '';
	const format = EXTENSIONS[extension];
	if (!format) {
		throw new AppError('BAD_REQUEST', `${fileName || 'That file'} is not a supported type. Upload .txt, .md, .html, .pdf or .docx, or paste the text.`, { field: 'file' });
	}
	return format;
}

export async function extractDocument(bytes: Uint8Array, format: DocumentFormat, fileName = 'the file'): Promise<Extracted> {
	let text: string;
	try {
		text = await extractText_(bytes, format);
	} catch (cause) {
		throw new AppError('BAD_REQUEST', `${fileName} could not be read as ${FORMAT_NAMES[format]}: ${readableCause(cause)}`, { field: 'file', cause });
	}
	text = normalise(text);
	if (text.replace(/\f/g, '').trim() === '') {
		const hint = format === 'pdf' ? ' A scanned PDF holds images, not text: run it through OCR first.' : '';
		throw new AppError('BAD_REQUEST', `${fileName} contains no text.${hint}`, { field: 'file' });
	}
	return { format, text };
}

/** Text typed or pasted (documents.create): the same normalisation, HTML converted. */
export function extractPasted(content: string, format: 'text' | 'markdown' | 'html'): string {
	return normalise(format === 'html' ? htmlToText(content) : content);
}

const FORMAT_NAMES: Record<DocumentFormat, string> = { text: 'text', markdown: 'Markdown', html: 'HTML', pdf: 'a PDF', docx: 'a Word document' };

async function extractText_(bytes: Uint8Array, format: DocumentFormat): Promise<string> {
	switch (format) {
		case 'text':
		case 'markdown':
			return decodeUtf8(bytes);
		case 'html':
			return htmlToText(decodeUtf8(bytes));
		case 'pdf': {
			const pdf = await getDocumentProxy(new Uint8Array(bytes));
			const { text } = await extractText(pdf, { mergePages: false });
			return text.map((page) => page.replace(/\f/g, ' ')).join('\f');
		}
		case 'docx': {
			// mammoth keeps Word's heading styles as <h1>…, which the HTML path turns into Markdown headings.
			const { value } = await mammoth.convertToHtml({ buffer: Buffer.from(bytes) });
			return htmlToText(value);
		}
	}
}

function decodeUtf8(bytes: Uint8Array): string {
	const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
	// A binary file renamed to .txt decodes to replacement characters: refuse it rather than index noise.
	const replaced = text.length === 0 ? 0 : (text.match(/\uFFFD/g)?.length ?? 0) / text.length;
	if (replaced > 0.05) throw new Error('it is not UTF-8 text');
	return text.replace(/^\uFEFF/, '');
}

const heading: FormatCallback = (elem, walk, builder, options) => {
	const level = Number(/^h([1-6])$/.exec(elem.name ?? '')?.[1] ?? 1);
	builder.openBlock({ leadingLineBreaks: options.leadingLineBreaks ?? 2 });
	builder.addInline(`${'#'.repeat(level)} `);
	walk(elem.children, builder);
	builder.closeBlock({ trailingLineBreaks: options.trailingLineBreaks ?? 2 });
};

function htmlToText(html: string): string {
	return convert(html, {
		wordwrap: false,
		formatters: { heading },
		selectors: [
			...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, format: 'heading' })),
			{ selector: 'a', options: { ignoreHref: true } },
			{ selector: 'img', format: 'skip' },
			// Cells separated, so a table's words don't run together.
			{ selector: 'table', format: 'dataTable', options: { colSpacing: 3 } }
		]
	});
}

function normalise(text: string): string {
	return stripNul(text)
		.replace(/\r\n?/g, '\n')
		.replace(/[ \t]+\n/g, '\n')
		.replace(/\n{3,}/g, '\n\n');
}

function readableCause(cause: unknown): string {
	const message = errorMessage(cause);
	if (/password/i.test(message)) return 'it is password-protected.';
	if (/invalid pdf|bad xref|pdf header/i.test(message)) return 'it is damaged or not really a PDF.';
	if (/zip|central directory|end of data/i.test(message)) return 'it is damaged or not really a .docx file.';
	if (/UTF-8/.test(message)) return 'it is not UTF-8 text.';
	return 'the file seems damaged.';
}

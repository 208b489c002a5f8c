import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { countTextTokens } from '../ai/token-count';

/**
 * Splits a document's text into chunks that follow its structure: a chunk never spans two
 * sections (a Markdown heading starts a new one, and each chunk keeps the path of headings above
 * it, and in a PDF a chunk stays on one page), paragraphs are kept whole where they fit, and long sections are cut into pieces of about
 * TARGET_TOKENS with OVERLAP_TOKENS of the previous piece repeated, so a sentence cut at a
 * boundary is still found whole in one of the two.
 *
 * Why 512 tokens with 48 of overlap: the full-text side scores whole passages, and a scientific
 * abstract or a help page section is 200–500 tokens (SciFact's abstracts: median 272, 95 % under
 * 514), so nearly all stay in one piece — splitting them halves the terms BM25 sees together, and
 * every extra piece is one more call to the embedder (at 320, 36 % of the abstracts were cut in
 * two: 7,190 chunks for 5,183 abstracts against 5,461 now). OpenAI's embedders read up to 8,191
 * tokens, so any size fits; the offline USE-lite embedder reads only its first 128 tokens, so it
 * gets each chunk's title, headings and opening — which is what its vector can describe anyway. A
 * section shorter than MIN_TOKENS is merged into the next one rather than left as a fragment.
 */

export const TARGET_TOKENS = 512;
export const OVERLAP_TOKENS = 48;
const MIN_TOKENS = 16;

export interface Chunk {
	index: number;
	content: string;
	headingPath: string[];
	/** 1-based page (PDF only). */
	page: number | null;
	tokenCount: number;
}

interface Paragraph {
	text: string;
	page: number | null;
	tokens: number;
	/** A sentence of a paragraph cut up for length: joined to the one before by a space, not a blank line. */
	continues?: boolean;
}

interface Section {
	headingPath: string[];
	paragraphs: Paragraph[];
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;

export function chunkText(text: string, options: { paged?: boolean; targetTokens?: number; overlapTokens?: number } = {}): Chunk[] {
	const target = options.targetTokens ?? TARGET_TOKENS;
	const overlap = Math.min(options.overlapTokens ?? OVERLAP_TOKENS, Math.floor(target / 2));
	const sections = mergeFragments(sectionsOf(text, options.paged ?? false));
	const chunks: Chunk[] = [];
	for (const section of sections) {
		for (const piece of packSection(section.paragraphs, target, overlap)) {
			chunks.push({ index: chunks.length, content: piece.text, headingPath: section.headingPath, page: piece.page, tokenCount: countTextTokens(piece.text) });
		}
	}
	return chunks;
}

function sectionsOf(text: string, paged: boolean): Section[] {
	const sections: Section[] = [];
	let path: string[] = [];
	let current: Section = { headingPath: [], paragraphs: [] };
	let fenced = false;
	const pages = paged ? text.split('\f') : [text];
	pages.forEach((pageText, pageIndex) => {
		const page = paged ? pageIndex + 1 : null;
		// A page starts a new section (same headings), so a chunk's page is where all of it is.
		if (paged && current.paragraphs.length > 0) {
			sections.push(current);
			current = { headingPath: path, paragraphs: [] };
		}
		for (const block of pageText.split(/\n\s*\n/)) {
			const lines = block.split('\n');
			let buffer: string[] = [];
			const flush = () => {
				const paragraph = buffer.join('\n').trim();
				if (paragraph) current.paragraphs.push({ text: paragraph, page, tokens: countTextTokens(paragraph) });
				buffer = [];
			};
			for (const line of lines) {
				if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
				const heading = fenced ? null : HEADING.exec(line);
				if (heading?.[1] && heading[2]) {
					flush();
					if (current.paragraphs.length > 0) sections.push(current);
					const level = heading[1].length;
					path = [...path.slice(0, level - 1), heading[2]];
					// A skipped level (## right after the title) leaves no empty entries.
					path = path.filter((entry) => entry !== undefined && entry !== '');
					current = { headingPath: path, paragraphs: [] };
				} else {
					buffer.push(line);
				}
			}
			flush();
		}
	});
	if (current.paragraphs.length > 0) sections.push(current);
	return sections;
}

/** A tiny section (a one-line intro under a heading) joins the next one, under the next one's headings. */
function mergeFragments(sections: Section[]): Section[] {
	const merged: Section[] = [];
	for (const section of sections) {
		const previous = merged.at(-1);
		const previousTokens = previous?.paragraphs.reduce((sum, paragraph) => sum + paragraph.tokens, 0) ?? Infinity;
		if (previous && previousTokens < MIN_TOKENS) {
			merged[merged.length - 1] = { headingPath: section.headingPath, paragraphs: [...previous.paragraphs, ...section.paragraphs] };
			continue;
		}
		merged.push({ headingPath: section.headingPath, paragraphs: [...section.paragraphs] });
	}
	return merged;
}

interface Piece {
	text: string;
	page: number | null;
}

/** Greedy packing of paragraphs up to `target`, paragraphs too long on their own cut by sentences, then tokens. */
function packSection(paragraphs: Paragraph[], target: number, overlap: number): Piece[] {
	const units = paragraphs.flatMap((paragraph) => (paragraph.tokens <= target ? [paragraph] : splitLong(paragraph, target)));
	const pieces: Piece[] = [];
	let parts: Paragraph[] = [];
	let tokens = 0;
	const emit = () => {
		if (parts.length === 0) return;
		pieces.push({ text: joinParts(parts), page: parts[0]?.page ?? null });
		const tail = tailOf(parts, overlap);
		parts = tail ? [tail] : [];
		tokens = tail?.tokens ?? 0;
	};
	for (const unit of units) {
		if (tokens + unit.tokens > target && parts.some((part) => part.tokens > 0)) emit();
		parts.push(unit);
		tokens += unit.tokens;
	}
	// What is left after the last emit is only the overlap, unless something new was added.
	if (parts.length > 0 && !(pieces.length > 0 && parts.length === 1 && tokens <= overlap)) {
		pieces.push({ text: joinParts(parts), page: parts[0]?.page ?? null });
	}
	return pieces;
}

function joinParts(parts: Paragraph[]): string {
	return parts.map((part, index) => (index === 0 ? part.text : `${part.continues ? ' ' : '\n\n'}${part.text}`)).join('');
}

/** The last `overlap` tokens of a piece, starting at a word boundary. */
function tailOf(parts: Paragraph[], overlap: number): Paragraph | null {
	if (overlap <= 0) return null;
	const last = parts.at(-1);
	if (!last) return null;
	const tokens = encode(last.text);
	if (tokens.length <= overlap) return { ...last };
	const text = decode(tokens.slice(-overlap));
	const start = text.search(/\s/);
	const trimmed = (start >= 0 ? text.slice(start) : text).trim();
	return trimmed ? { text: trimmed, page: last.page, tokens: countTextTokens(trimmed), continues: false } : null;
}

function splitLong(paragraph: Paragraph, target: number): Paragraph[] {
	const sentences = paragraph.text.match(/[^.!?\n]+(?:[.!?]+["')\]]*|\n|$)\s*/g) ?? [paragraph.text];
	const out: Paragraph[] = [];
	for (const sentence of sentences) {
		const text = sentence.trim();
		if (!text) continue;
		const tokens = countTextTokens(text);
		if (tokens <= target) {
			out.push({ text, page: paragraph.page, tokens, continues: out.length > 0 });
			continue;
		}
		const encoded = encode(text);
		for (let start = 0; start < encoded.length; start += target) {
			const part = decode(encoded.slice(start, start + target)).trim();
			if (part) out.push({ text: part, page: paragraph.page, tokens: countTextTokens(part), continues: out.length > 0 });
		}
	}
	return out;
}

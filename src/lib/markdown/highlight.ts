/**
 * Syntax highlighting for code blocks in answers. highlight.js core with the languages people
 * most often ask about: the full bundle (190+ languages) would triple the chat page's script.
 * Unknown languages render as escaped plain text.
 */
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import markdown from 'highlight.js/lib/languages/markdown';
import php from 'highlight.js/lib/languages/php';
import plaintext from 'highlight.js/lib/languages/plaintext';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import swift from 'highlight.js/lib/languages/swift';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

const languages = {
	bash,
	c,
	cpp,
	csharp,
	css,
	diff,
	dockerfile,
	go,
	ini,
	java,
	javascript,
	json,
	kotlin,
	markdown,
	php,
	plaintext,
	python,
	ruby,
	rust,
	shell,
	sql,
	swift,
	typescript,
	xml,
	yaml
};

for (const [name, language] of Object.entries(languages)) hljs.registerLanguage(name, language);
// Fence labels models commonly use that aren't among the grammars' own aliases.
hljs.registerAliases(['sh', 'zsh', 'console'], { languageName: 'bash' });
hljs.registerAliases(['toml'], { languageName: 'ini' });
hljs.registerAliases(['text', 'txt'], { languageName: 'plaintext' });

/** The language's canonical name when it is registered (aliases resolved), else null. */
export function knownLanguage(label: string): string | null {
	const name = label.trim().toLowerCase();
	if (name === '') return null;
	const language = hljs.getLanguage(name);
	if (!language) return null;
	return Object.keys(languages).find((key) => hljs.getLanguage(key) === language) ?? name;
}

/**
 * Highlighted HTML for `code` (highlight.js escapes the text itself; its output is spans with
 * `hljs-*` classes only), or null when the language isn't known.
 */
export function highlightCode(code: string, label: string): string | null {
	const language = knownLanguage(label);
	if (!language) return null;
	return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}

import { rename, writeFile } from 'node:fs/promises';
import nodeAdapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

const ENTRY = `// Written by svelte.config.js: the adapter's entry is server.js, which sees no body limit;
// the app applies BODY_SIZE_LIMIT itself (src/lib/server/http/body-limit.ts).
process.env.AIRASSIST_BODY_SIZE_LIMIT = process.env.BODY_SIZE_LIMIT ?? '512K';
process.env.BODY_SIZE_LIMIT = 'Infinity';
await import('./server.js');
`;

/**
 * adapter-node applies one BODY_SIZE_LIMIT to every request, read when the server starts, so a
 * knowledge upload (capped per tier, up to the largest cap) and a tRPC call (512K) can't have
 * different limits there. build/index.js therefore becomes a small entry that hands the adapter
 * no limit and keeps the setting for the app: limitRequestBodies in hooks.server.ts applies it
 * to every route but the upload, whose endpoint counts against the user's tier cap. The entry
 * stays `node build/index.js`, so `npm start` and every existing way of running work unchanged.
 * @param {import('@sveltejs/adapter-node').AdapterOptions} options
 * @returns {import('@sveltejs/kit').Adapter}
 */
function adapter(options) {
	const inner = nodeAdapter(options);
	return {
		...inner,
		async adapt(builder) {
			await inner.adapt(builder);
			const out = options.out ?? 'build';
			await rename(`${out}/index.js`, `${out}/server.js`);
			await rename(`${out}/index.js.map`, `${out}/server.js.map`).catch(() => undefined);
			await writeFile(`${out}/index.js`, ENTRY);
		}
	};
}

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		adapter: adapter({ out: 'build' }),
		// The cross-site check is ours (guardCrossSite in hooks.server.ts): SvelteKit's compares with
		// adapter-node's assumed https:// when ORIGIN is unset and refuses every form on http://localhost.
		csrf: { trustedOrigins: ['*'] },
		// SvelteKit adds hashes for its own inline scripts; nothing else may run or frame the app.
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				// Svelte sets inline style attributes (transitions, dynamic widths).
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:', 'https:'],
				'font-src': ['self', 'data:'],
				'connect-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;

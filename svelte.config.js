import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

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

import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

export default defineConfig({
	plugins: [tailwindcss(), sveltekit()],
	server: { port: 5173 },
	ssr: {
		// PGlite locates its WASM and extension bundles relative to its own files.
		external: ['@electric-sql/pglite', '@electric-sql/pglite-pgvector', '@node-rs/argon2']
	}
});

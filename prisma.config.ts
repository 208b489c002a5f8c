// The Prisma CLI can't download its schema engine on our machines; `generate`, `validate` and
// `format` don't need it. Migrations are plain SQL in ./migrations, applied by our own runner.
process.env.PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING ??= '1';
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= '/bin/false';

import { defineConfig } from 'prisma/config';

export default defineConfig({
	schema: 'prisma/schema.prisma'
});

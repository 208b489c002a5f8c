/**
 * A second app process for tests: opens the database in DATABASE_URL, follows model changes the
 * way the server does (startBackgroundWork → followModelCatalog), and answers each line on stdin
 * (a user id) with that user's chat model picker as one JSON line on stdout.
 */
import { createInterface } from 'node:readline';
import { followModelCatalog } from '../../src/lib/server/chat/model-catalog-events';
import { chatModelOptions } from '../../src/lib/server/chat/models.service';
import { asUser } from '../../src/lib/server/db';
import { openDatabase } from '../../src/lib/server/db/client';
import { parseDatabaseUrl } from '../../src/lib/server/db/database-url';

const db = await openDatabase(parseDatabaseUrl(process.env.DATABASE_URL ?? ''), { poolSize: 2 });
const stop = await followModelCatalog(db);
process.stdout.write('ready\n');

for await (const line of createInterface({ input: process.stdin })) {
	const userId = line.trim();
	if (!userId) continue;
	const picker = await asUser(db, userId, (tx) => chatModelOptions(tx, userId));
	process.stdout.write(`${JSON.stringify(picker.models.map((model) => model.modelName))}\n`);
}
await stop();
await db.close();

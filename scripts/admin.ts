/**
 * `npm run admin -- <command>`: account recovery from the shell, on the database in DATABASE_URL.
 *   promote <email>   make the account an administrator
 *   demote <email>    make it a regular user
 *   list              list administrators
 * Runs as the table owner (no request identity), which the profile-privilege trigger allows.
 */
import { openDatabase } from '../src/lib/server/db/client';
import { parseDatabaseUrl } from '../src/lib/server/db/database-url';
import { migrate } from '../src/lib/server/db/migrations';
import { env } from '../src/lib/server/env';
import { isLastAdminRefusal } from '../src/lib/server/admin/db-errors';
import { errorMessage } from '../src/lib/server/errors';

const USAGE = 'usage: npm run admin -- promote <email> | demote <email> | list';

async function main(args: string[]): Promise<number> {
	const [command, email] = args;
	if (!command || ((command === 'promote' || command === 'demote') && !email) || !['promote', 'demote', 'list'].includes(command)) {
		console.error(USAGE);
		return 2;
	}
	const db = await openDatabase(parseDatabaseUrl(env().DATABASE_URL), { poolSize: 1 });
	try {
		await migrate(db);
		if (command === 'list') {
			const admins = await db.prisma.profile.findMany({ where: { role: 'admin' }, select: { email: true, displayName: true }, orderBy: { email: 'asc' } });
			console.log(admins.length ? admins.map((admin) => `${admin.email}${admin.displayName ? ` (${admin.displayName})` : ''}`).join('\n') : 'No administrators.');
			return 0;
		}
		const found = await db.prisma.$queryRaw<{ id: string }[]>`select id::text as id from auth.users where lower(email) = lower(${email ?? ''})`;
		const id = found[0]?.id;
		if (!id) {
			console.error(`No account with the email ${email}.`);
			return 1;
		}
		const role = command === 'promote' ? 'admin' : 'user';
		try {
			await db.prisma.profile.update({ where: { id }, data: { role } });
		} catch (error) {
			if (!isLastAdminRefusal(error)) throw error;
			console.error(`${email} is the last administrator who can sign in; promote someone else first.`);
			return 1;
		}
		console.log(`${email} is now ${role === 'admin' ? 'an administrator' : 'a regular user'}.`);
		return 0;
	} finally {
		await db.close();
	}
}

main(process.argv.slice(2)).then(
	(code) => process.exit(code),
	(error: unknown) => {
		console.error(`admin: ${errorMessage(error)}`);
		process.exit(1);
	}
);

import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/lib/server/db/client';

export interface TestUser {
	id: string;
	email: string;
}

/** A user created the way sign-up will: an auth.users row, with the 001 trigger doing the rest. */
export async function createUser(db: Database, name = 'user', metadata: Record<string, string> = {}): Promise<TestUser> {
	const email = `${name}-${randomBytes(4).toString('hex')}@example.test`;
	const user = await db.prisma.user.create({ data: { email, rawUserMetaData: metadata }, select: { id: true, email: true } });
	return user;
}

/** A unit vector of 1536 dimensions at `angle` radians from the first axis, in the plane of the first two. */
export function unitVector(angle: number): number[] {
	const values = new Array<number>(1536).fill(0);
	values[0] = Math.cos(angle);
	values[1] = Math.sin(angle);
	return values;
}

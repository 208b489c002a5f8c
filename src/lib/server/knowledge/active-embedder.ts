import type { Database } from '../db';
import type { EmbedderModel } from './embedders';
import { activeEmbedder } from './embedders.repo';

/**
 * The active embedder, kept in memory while this process follows the database's announcements of
 * embedder and model changes (050), so searches and grounded answers don't read it every time.
 * Without a follower (scripts, tests that change embedders directly) every call reads it.
 */
export const KNOWLEDGE_EMBEDDERS_CHANNEL = 'airassist_knowledge_embedders';

interface Followed {
	current: Promise<EmbedderModel> | null;
}

const followed = new WeakMap<Database, Followed>();

export function activeEmbedderOf(db: Database): Promise<EmbedderModel> {
	const state = followed.get(db);
	if (!state) return activeEmbedder(db.prisma);
	if (!state.current) {
		const reading = activeEmbedder(db.prisma);
		state.current = reading;
		// A failed read is not kept: the next call reads again.
		reading.catch(() => {
			if (state.current === reading) state.current = null;
		});
	}
	return state.current;
}

/** Keeps the active embedder in memory until a change is announced; returns how to stop. */
export async function followEmbedderChanges(db: Database): Promise<() => Promise<void>> {
	const state: Followed = { current: null };
	const forget = () => {
		state.current = null;
	};
	const stop = await db.listen(KNOWLEDGE_EMBEDDERS_CHANNEL, {
		onNotify: forget,
		// Announcements sent while the connection was down are lost: read again.
		onGap: forget
	});
	followed.set(db, state);
	return async () => {
		followed.delete(db);
		await stop();
	};
}

import type { ChatStreamEvent } from '../../src/lib/server/ai/provider';

export interface CollectedStream {
	deltas: string[];
	text: string;
	/** The 'done' events seen (a correct stream has exactly one, last). */
	done: Extract<ChatStreamEvent, { type: 'done' }>[];
	events: ChatStreamEvent[];
	/** What the stream threw, if anything. */
	error: unknown;
}

/** Reads a provider stream to its end (or its error), keeping everything for assertions. */
export async function collectStream(stream: AsyncIterable<ChatStreamEvent>, onEvent?: (event: ChatStreamEvent) => void | Promise<void>): Promise<CollectedStream> {
	const collected: CollectedStream = { deltas: [], text: '', done: [], events: [], error: undefined };
	try {
		for await (const event of stream) {
			collected.events.push(event);
			if (event.type === 'delta') {
				collected.deltas.push(event.text);
				collected.text += event.text;
			} else {
				collected.done.push(event);
			}
			await onEvent?.(event);
		}
	} catch (error) {
		collected.error = error;
	}
	return collected;
}

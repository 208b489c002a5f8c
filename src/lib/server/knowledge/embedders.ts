import { HashedEmbeddingProvider } from '../ai/hashed-embedding';
import type { EmbeddingProvider } from '../ai/provider';
import { ProviderError } from '../ai/provider';
import { answersOffline } from '../ai/provider-registry';
import { UseLiteEmbeddingProvider } from '../ai/use-lite-embedding';
import type { ModelConfiguration } from '../db/generated/client';
import { env } from '../env';
import type { AppServices } from '../services';
import type { Embedder } from './types';

/** What the governed call prices an embedding at; offline embedders cost nothing. */
export interface EmbedderModel {
	embedder: Embedder;
	/** The model configuration behind a 'model' embedder (connection and prices). */
	model: ModelConfiguration | null;
}

let useLite: UseLiteEmbeddingProvider | undefined;

/**
 * The provider that makes an embedder's vectors. A 'model' embedder goes through the app's
 * provider lookup (so tests point it at the fake server); one that would silently fall back to
 * the offline hashing (no key, no server) is refused instead — its vectors would not be the
 * model's, yet be stored under its name.
 */
export function embeddingProviderOf(services: AppServices, { embedder, model }: EmbedderModel): EmbeddingProvider {
	switch (embedder.kind) {
		case 'use-lite':
			useLite ??= new UseLiteEmbeddingProvider();
			return useLite;
		case 'hashed':
			return new HashedEmbeddingProvider(embedder.dimensions);
		case 'model': {
			if (!model) throw new ProviderError('bad_request', `The embedding model ${embedder.modelName ?? embedder.name} is not configured.`, { retryable: false });
			if (answersOffline(model, env())) {
				throw new ProviderError('auth', `The embedding model ${model.modelName} needs OPENAI_API_KEY or OPENAI_BASE_URL on the server.`, { retryable: false });
			}
			return services.providers.embedding(model, embedder.dimensions);
		}
	}
}

export function isLocalEmbedder(embedder: Embedder): boolean {
	return embedder.kind !== 'model';
}

/** The text an embedder is given for a chunk: its document title and headings first, so a short-reading model still sees what it is about. */
export function embeddingInput(chunk: { title: string; headingPath: string[]; content: string }): string {
	const heading = chunk.headingPath.length > 0 ? `${chunk.headingPath.join(' › ')}\n` : '';
	return `${chunk.title}\n${heading}${chunk.content}`;
}

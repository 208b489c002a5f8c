import type { MessageSource } from '$lib/knowledge/types';
import type { Passage } from '../../ai/offline-provider';
import type { ChatMessage } from '../../ai/provider';
import type { ModelConfiguration } from '../../db/generated/client';
import type { GovernedDeps, Reservation } from '../../usage/governed-call';
import type { PromptTurn } from '../thread.repo';

/** What the answer pipeline needs: the database and the injected services (tRPC context has both). */
export type ChatDeps = GovernedDeps;

/** The result of the prepare step: everything later steps need, read in one short transaction. */
export interface PreparedAnswer {
	userId: string;
	/** The chat, existing or about to be created (then `isNewSession`). */
	sessionId: string;
	isNewSession: boolean;
	/** The title a new chat starts with. */
	newSessionTitle: string;
	model: ModelConfiguration;
	/** Answers come from the offline assistant (no model call, no cost). */
	offline: boolean;
	/** Provider name for the usage log. */
	providerName: string;
	preferences: { systemPrompt: string | null; temperature: number; maxTokens: number };
	/**
	 * The question being answered. `content` is set when this send saves a new question (send,
	 * edit); absent for a regeneration, which answers an existing one.
	 */
	question: { id: string; parentId: string | null; content?: string };
	/** A sibling of earlier versions (edit, or send under an explicit parent): the UI shows ‹ n/m ›. */
	isNewVersion: boolean;
	answerId: string;
	/** The conversation up to and including the question. */
	history: PromptTurn[];
	generateTitle: boolean;
	/** Ground the answer in the knowledge base (the send's flag, else the chat's, else the user's setting). */
	useKnowledge: boolean;
	/** The send's explicit flag, saved as the chat's setting. */
	knowledgeToggle?: boolean;
}

/** A retrieved passage with where it came from and its scores. */
export interface RetrievedPassage {
	chunkId: string;
	documentId: string | null;
	title: string;
	content: string;
	source: string | null;
	category: string | null;
	headingPath: string[];
	page: number | null;
	score: number;
	textScore: number | null;
	similarity: number | null;
}

/** What the retrieve step found (knowledge base passages, best first), outside any transaction. */
export interface RetrievedContext {
	passages: RetrievedPassage[];
}

export interface BuiltPrompt {
	messages: ChatMessage[];
	promptTokens: number;
	/** The most output tokens the answer may use, before the quota grants it. */
	maxOutputTokens: number;
	/** The numbered sources in the prompt, for the offline assistant to quote. */
	passages: Passage[];
	/** Every retrieved passage: numbered if it went into the prompt, `used: false` if cut. */
	sources: MessageSource[];
}

/** A started answer: the prepared exchange, its prompt and the reservation paying for it. */
export interface AnswerJob {
	prepared: PreparedAnswer;
	prompt: BuiltPrompt;
	reservation: Reservation;
	/**
	 * Resolves when the exchange's rows are committed. The upstream call starts earlier; every
	 * database write waits for it, and a rejection abandons the answer.
	 */
	committed: Promise<void>;
}

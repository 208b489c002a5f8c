import { expect, type Locator, type Page } from '@playwright/test';
import { SignUpPage } from './auth-pages';

import { FAKE_LLM_CONTROL_PORT } from '../servers';

export async function scriptNextAnswerFault(fault: { fault: 'http400' | 'http500'; message?: string } | { fault: 'dropMidStream'; afterTokens: number }): Promise<void> {
	const response = await fetch(`http://127.0.0.1:${FAKE_LLM_CONTROL_PORT}/script`, { method: 'POST', body: JSON.stringify(fault) });
	expect(response.status).toBe(204);
}

/**
 * The chat page, as a person uses it. Answers come from the fake model server, which echoes the
 * last message back ("Echo: <message>"), one word per streamed token.
 */
export class ChatPage {
	constructor(readonly page: Page) {}

	/** Signs a new person up (each test gets its own account and chats) and opens a new chat. */
	async signUpAndOpen(name = 'Chatter'): Promise<void> {
		const signUp = new SignUpPage(this.page);
		await signUp.goto();
		await signUp.signUp(name, `${name.toLowerCase()}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`, 'a long enough passphrase');
		await expect(this.page.getByTestId('welcome')).toBeVisible();
		await this.goto();
	}

	async goto(sessionId?: string): Promise<void> {
		await this.page.goto(sessionId ? `/chat/${sessionId}` : '/chat');
		await expect(this.composer).toBeVisible();
	}

	get composer(): Locator {
		return this.page.getByRole('textbox', { name: 'Message' });
	}

	get title(): Locator {
		return this.page.getByTestId('chat-title');
	}

	get sidebar(): Locator {
		return this.page.getByTestId('chat-sidebar');
	}

	get stopButton(): Locator {
		return this.page.getByTestId('stop-button');
	}

	get messages(): Locator {
		return this.page.getByTestId('message');
	}

	answers(): Locator {
		return this.page.locator('[data-testid="message"][data-role="assistant"]');
	}

	questions(): Locator {
		return this.page.locator('[data-testid="message"][data-role="user"]');
	}

	/** Types a message and sends it with Enter, as a keyboard user would. */
	async send(text: string): Promise<void> {
		await this.composer.fill(text);
		await this.composer.press('Enter');
	}

	/** The id in /chat/<id>, once the first message has created the chat. */
	async sessionId(): Promise<string> {
		await expect(this.page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
		return new URL(this.page.url()).pathname.split('/').at(-1) ?? '';
	}

	async answerText(answer: Locator): Promise<string> {
		return (await answer.getByTestId('message-content').textContent()) ?? '';
	}

	async expectAnswerStatus(answer: Locator, status: 'streaming' | 'complete' | 'stopped' | 'error', timeout = 15_000): Promise<void> {
		await expect(answer).toHaveAttribute('data-status', status, { timeout });
	}

	versionLabel(message: Locator): Locator {
		return message.getByTestId('version-label');
	}

	sessionLink(title: string | RegExp): Locator {
		return this.sidebar.getByTestId('session-link').filter({ hasText: title });
	}

	/** Opens a chat's ⋯ menu in the sidebar and picks an action. */
	async sessionAction(title: string | RegExp, action: 'Rename' | 'Pin' | 'Unpin' | 'Archive' | 'Unarchive' | 'Delete'): Promise<void> {
		const item = this.sidebar.getByTestId('session-item').filter({ has: this.page.getByTestId('session-link').filter({ hasText: title }) });
		await item.getByTestId('session-menu').click();
		await this.page.getByRole('menuitem', { name: action }).click();
	}

	async rename(title: string | RegExp, newTitle: string): Promise<void> {
		await this.sessionAction(title, 'Rename');
		const input = this.sidebar.getByRole('textbox', { name: 'Chat title' });
		await input.fill(newTitle);
		await input.press('Enter');
		await expect(input).toHaveCount(0);
	}

	async delete(title: string | RegExp): Promise<void> {
		await this.sessionAction(title, 'Delete');
		const dialog = this.page.getByTestId('confirm-dialog');
		await expect(dialog).toBeVisible();
		await dialog.getByRole('button', { name: 'Delete chat' }).click();
	}

	/** Horizontal overflow of the page and of the chat's own columns, in pixels (0 when none). */
	async horizontalOverflow(): Promise<number> {
		return this.page.evaluate(() => {
			const overflowOf = (element: Element | null) => (element ? element.scrollWidth - element.clientWidth : 0);
			return Math.max(
				overflowOf(document.documentElement),
				overflowOf(document.querySelector('[data-testid="chat-page"]')),
				overflowOf(document.querySelector('[data-testid="message-scroller"]'))
			);
		});
	}
}

/** n words of filler: the echo of a long message is a long, slow answer. */
export function words(count: number, prefix = 'word'): string {
	return Array.from({ length: count }, (_, index) => `${prefix}${index + 1}`).join(' ');
}

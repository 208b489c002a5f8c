import os from 'node:os';
import { expect, test, type Browser } from '@playwright/test';
import { ChatPage } from './pages/chat-page';
import { SignInPage } from './pages/auth-pages';
import { FIRST_RUN_PORT } from './servers';

/**
 * Against the server started the README's way (only PORT set; see playwright.config.ts): what a
 * person meets first must work over plain http on every address the machine answers on.
 */
const LOCALHOST = `http://localhost:${FIRST_RUN_PORT}`;
const LOOPBACK = `http://127.0.0.1:${FIRST_RUN_PORT}`;
const password = 'a long enough passphrase';

/** The machine's first LAN address, if it has one (HOST defaults to 0.0.0.0, so the app listens there too). */
function lanOrigin(): string | null {
	const address = Object.values(os.networkInterfaces())
		.flat()
		.find((entry) => entry && entry.family === 'IPv4' && !entry.internal);
	return address ? `http://${address.address}:${FIRST_RUN_PORT}` : null;
}

async function signInAndChat(browser: Browser, origin: string, email: string, question: string): Promise<void> {
	const context = await browser.newContext({ baseURL: origin });
	try {
		const page = await context.newPage();
		const signIn = new SignInPage(page);
		await signIn.goto();
		await signIn.signInWithKeyboard(email, password);
		await expect(page.getByTestId('welcome')).toBeVisible();
		const chat = new ChatPage(page);
		await chat.goto();
		await chat.send(question);
		await chat.expectAnswerStatus(chat.answers().first(), 'complete');
		expect((await context.cookies()).find((cookie) => cookie.name === 'aa_session')?.secure).toBe(false);
	} finally {
		await context.close();
	}
}

test.use({ baseURL: LOCALHOST });

test('with only PORT set, a newcomer signs up and chats on http://localhost, 127.0.0.1 and the LAN address', async ({ page, context, browser }) => {
	test.setTimeout(60_000);
	const chat = new ChatPage(page);
	const email = `first-run-${Date.now()}@example.test`;
	await page.goto('/signup');
	await page.getByLabel('Name').fill('First Run');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page.getByTestId('welcome')).toHaveText('Welcome, First Run.');

	// Plain http: the cookie must not be Secure, or the browser would never send it back.
	const session = (await context.cookies()).find((cookie) => cookie.name === 'aa_session');
	expect(session).toMatchObject({ httpOnly: true, secure: false, sameSite: 'Lax' });

	// A mutation, then an answer streamed over SSE (no model configured: the offline assistant).
	await chat.goto();
	await chat.send('What can you do?');
	await chat.sessionId();
	const answer = chat.answers().first();
	await chat.expectAnswerStatus(answer, 'complete');
	await expect(answer.getByTestId('message-content')).toContainText('offline assistant');
	await chat.rename('What can you do?', 'First chat');

	await signInAndChat(browser, LOOPBACK, email, 'Hello from the loopback address');
	const lan = lanOrigin();
	if (lan) await signInAndChat(browser, lan, email, 'Hello from the LAN');
});

test('with only PORT set, other sites still cannot post with the visitor’s cookies', async ({ request }) => {
	const signUp = (origin: string) =>
		request.post('/api/trpc/auth.signUp', {
			headers: { origin, 'content-type': 'application/json' },
			data: { json: { email: `cross-${Date.now()}-${Math.random()}@example.test`, password } }
		});
	expect((await signUp('http://evil.example')).status()).toBe(403);
	expect((await signUp(`http://localhost:${FIRST_RUN_PORT + 1}`)).status()).toBe(403);
	const form = await request.post('/login', { headers: { origin: 'http://evil.example' }, form: { email: 'a@example.test', password } });
	expect(form.status()).toBe(403);
});

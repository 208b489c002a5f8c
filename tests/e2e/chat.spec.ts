import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { ChatPage, scriptNextAnswerFault, words } from './pages/chat-page';

/** axe-core over WCAG 2.1 A/AA; only serious and critical findings fail the test. */
async function seriousAccessibilityViolations(page: Page) {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	return results.violations
		.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
		.map((violation) => ({ id: violation.id, help: violation.help, nodes: violation.nodes.map((node) => node.target.join(' ')) }));
}

// First in the file: the fault is queued for the next request the fake model gets, so no other
// test's background work (a chat title being written) may be in flight.
test('a failed answer says why and Retry answers again as a new version', async ({ page }) => {
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Retrier');
	await scriptNextAnswerFault({ fault: 'http400', message: 'This model is overloaded with questions.' });
	await chat.send('Will this work?');
	const answer = chat.answers().first();
	await chat.expectAnswerStatus(answer, 'error');
	await expect(answer.getByTestId('message-error')).toContainText('The model server rejected the request: This model is overloaded with questions.');
	await expect(page.getByTestId('chat-announcer')).toContainText('The answer failed');

	await answer.getByRole('button', { name: 'Retry' }).click();
	await chat.expectAnswerStatus(answer, 'complete');
	await expect(answer.getByTestId('message-content')).toHaveText('Echo: Will this work?');
	await expect(chat.versionLabel(answer)).toHaveText('2/2');
	await expect(answer.getByTestId('message-error')).toHaveCount(0);
});

test('a newcomer chats: the answer streams, stops, regenerates into versions, and the chat is renamed, reloaded and deleted', async ({ page }) => {
	test.setTimeout(60_000);
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Newcomer');
	await expect(page.getByTestId('empty-state')).toBeVisible();
	await expect(chat.title).toHaveText('New chat');

	// The first message creates the chat; its answer grows word by word.
	const question = `Please repeat these words back ${words(60)}`;
	await chat.send(question);
	await chat.sessionId();
	await expect(chat.composer).toHaveValue('');
	await expect(chat.questions().first()).toContainText('Please repeat these words back');
	const first = chat.answers().first();
	await chat.expectAnswerStatus(first, 'streaming');
	await expect.poll(async () => (await chat.answerText(first)).length).toBeGreaterThan(0);
	const early = (await chat.answerText(first)).length;
	await expect.poll(async () => (await chat.answerText(first)).length).toBeGreaterThan(early);
	await chat.expectAnswerStatus(first, 'complete');
	await expect(first.getByTestId('message-content')).toHaveText(`Echo: ${question}`);

	// Tokens and cost are one hover (or focus) away.
	await first.getByTestId('message-details-button').focus();
	await expect(first.getByTestId('message-details')).toBeVisible();
	await expect(first.getByTestId('message-details')).toContainText(/Tokens:\s*[\d,]+ in · [\d,]+ out/);

	// A long answer is stopped with Esc: what was written stays, marked as stopped.
	await chat.send(`Now a long one ${words(400)}`);
	const second = chat.answers().nth(1);
	await expect(chat.stopButton).toBeVisible();
	await expect.poll(async () => (await chat.answerText(second)).length).toBeGreaterThan(30);
	await chat.composer.press('Escape');
	await chat.expectAnswerStatus(second, 'stopped');
	await expect(second.getByTestId('message-stopped')).toBeVisible();
	const partial = await chat.answerText(second);
	expect(partial.length).toBeGreaterThan(30);
	expect(partial.length).toBeLessThan(`Echo: Now a long one ${words(400)}`.length);
	await expect(chat.stopButton).toHaveCount(0);

	// Regenerating the first answer makes version 2/2 of it (the later exchange belongs to version 1).
	await first.getByRole('button', { name: 'Regenerate answer' }).click();
	await expect(chat.versionLabel(first)).toHaveText('2/2');
	await expect(chat.messages).toHaveCount(2);
	await chat.expectAnswerStatus(first, 'complete');
	await first.getByRole('button', { name: 'Previous version' }).click();
	await expect(chat.versionLabel(first)).toHaveText('1/2');
	await expect(chat.messages).toHaveCount(4);
	await expect(chat.answers().nth(1).getByTestId('message-stopped')).toBeVisible();

	// Renamed from the sidebar; the header follows.
	await expect(chat.sidebar.getByTestId('session-link')).toHaveCount(1);
	await chat.rename(/.+/, 'Words, words, words');
	await expect(chat.title).toHaveText('Words, words, words');
	await expect(chat.sessionLink('Words, words, words')).toHaveAttribute('aria-current', 'page');

	// A reload finds everything as it was left: title, branch, versions, the stopped answer.
	await page.reload();
	await expect(chat.title).toHaveText('Words, words, words');
	await expect(chat.messages).toHaveCount(4);
	await expect(chat.versionLabel(chat.answers().first())).toHaveText('1/2');
	await expect(chat.answers().nth(1)).toHaveAttribute('data-status', 'stopped');
	expect(await chat.answerText(chat.answers().nth(1))).toBe(partial);
	await expect(chat.sessionLink('Words, words, words')).toBeVisible();

	// Deleted after confirming: gone from the sidebar, and still gone after a reload.
	await chat.delete('Words, words, words');
	await expect(page).toHaveURL(/\/chat$/);
	await expect(chat.sessionLink('Words, words, words')).toHaveCount(0);
	await expect(page.getByTestId('empty-state')).toBeVisible();
	await page.reload();
	await expect(page.getByTestId('session-list-empty')).toBeVisible();
});

test('a reloaded page picks up an answer still being written', async ({ page }) => {
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Reloader');
	const question = `Keep going ${words(150)}`;
	await chat.send(question);
	const sessionId = await chat.sessionId();
	await expect.poll(async () => (await chat.answerText(chat.answers().first())).length).toBeGreaterThan(40);

	await page.reload();
	const answer = chat.answers().first();
	await expect(chat.title).not.toHaveText('');
	expect(new URL(page.url()).pathname).toBe(`/chat/${sessionId}`);
	await chat.expectAnswerStatus(answer, 'streaming');
	const resumed = (await chat.answerText(answer)).length;
	expect(resumed).toBeGreaterThan(40);
	await expect.poll(async () => (await chat.answerText(answer)).length).toBeGreaterThan(resumed);
	await chat.expectAnswerStatus(answer, 'complete');
	await expect(answer.getByTestId('message-content')).toHaveText(`Echo: ${question}`);
});

test('keyboard only: Shift+Enter for a new line, Enter to send, the chat menu with arrows and Enter', async ({ page }) => {
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Keys');
	await chat.composer.focus();
	await page.keyboard.type('First line');
	await page.keyboard.press('Shift+Enter');
	await page.keyboard.type('second line');
	await expect(chat.composer).toHaveValue('First line\nsecond line');
	await page.keyboard.press('Enter');
	const answer = chat.answers().first();
	await chat.expectAnswerStatus(answer, 'complete');
	await expect(chat.questions().first().getByTestId('message-content')).toHaveText('First line\nsecond line');

	// From the chat's link in the sidebar: Tab to its menu, open it, Rename.
	await chat.sessionLink(/.+/).focus();
	await page.keyboard.press('Tab');
	await expect(chat.sidebar.getByTestId('session-menu')).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(page.getByRole('menuitem', { name: 'Rename' })).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(chat.sidebar.getByRole('textbox', { name: 'Chat title' })).toBeFocused();
	await page.keyboard.press('ControlOrMeta+a');
	await page.keyboard.type('Typed by keyboard');
	await page.keyboard.press('Enter');
	await expect(chat.title).toHaveText('Typed by keyboard');
	await expect(chat.sessionLink('Typed by keyboard')).toBeFocused();

	// Arrow down to Pin; Esc closes a menu and returns to its button.
	await page.keyboard.press('Tab');
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('ArrowDown');
	await expect(page.getByRole('menuitem', { name: 'Pin' })).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(chat.sidebar.getByRole('heading', { name: 'Pinned' })).toBeVisible();
	await page.keyboard.press('ArrowDown');
	await expect(page.getByRole('menuitem', { name: 'Rename' })).toBeFocused();
	await page.keyboard.press('Escape');
	await expect(page.getByRole('menu')).toHaveCount(0);
	await expect(chat.sidebar.getByTestId('session-menu')).toBeFocused();
});

test('editing a question sends it as a new version with its own answer; the first version stays', async ({ page }) => {
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Editor');
	await chat.send('What is the capital of France?');
	await chat.expectAnswerStatus(chat.answers().first(), 'complete');

	const question = chat.questions().first();
	await question.getByRole('button', { name: 'Edit message' }).click();
	const editor = question.getByRole('textbox', { name: 'Edit your message' });
	await expect(editor).toBeFocused();
	await editor.fill('What is the capital of Italy?');
	await editor.press('Enter');
	await chat.expectAnswerStatus(chat.answers().first(), 'complete');
	await expect(chat.answers().first().getByTestId('message-content')).toHaveText('Echo: What is the capital of Italy?');
	await expect(chat.versionLabel(chat.questions().first())).toHaveText('2/2');

	await chat.questions().first().getByRole('button', { name: 'Previous version' }).click();
	await expect(chat.questions().first().getByTestId('message-content')).toHaveText('What is the capital of France?');
	await expect(chat.answers().first().getByTestId('message-content')).toHaveText('Echo: What is the capital of France?');
});

test('HTML and script in an answer render as literal text, never as elements', async ({ page }) => {
	const chat = new ChatPage(page);
	let dialogs = 0;
	page.on('dialog', (dialog) => {
		dialogs++;
		void dialog.dismiss();
	});
	await chat.signUpAndOpen('Mallory');
	const payload = 'Look <img src=x onerror="window.__xss=1;alert(1)"> and <script>window.__xss=2</script> end';
	await chat.send(payload);
	const answer = chat.answers().first();
	await chat.expectAnswerStatus(answer, 'complete');

	for (const message of [answer, chat.questions().first()]) {
		const content = message.getByTestId('message-content');
		await expect(content).toContainText('<img src=x onerror="window.__xss=1;alert(1)">');
		await expect(content).toContainText('<script>window.__xss=2</script>');
		await expect(content.locator('img, script, iframe, [onerror]')).toHaveCount(0);
	}
	await expect(answer.getByTestId('message-content')).toHaveText(`Echo: ${payload}`);
	expect(await page.evaluate(() => Reflect.get(window, '__xss'))).toBeUndefined();
	expect(dialogs).toBe(0);
});

test('Markdown answers: tables, lists and highlighted code with a copy button', async ({ page, context }) => {
	await context.grantPermissions(['clipboard-read', 'clipboard-write']);
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Reader');
	await chat.send('Table:\n\n| Name | Size |\n| --- | ---: |\n| a | 1 |\n\n- one\n- two\n\n```python\ndef greet():\n    return "hi"\n```');
	const answer = chat.answers().first();
	await chat.expectAnswerStatus(answer, 'complete');
	const content = answer.getByTestId('message-content');
	await expect(content.locator('table th')).toHaveText(['Name', 'Size']);
	await expect(content.locator('ul > li')).toHaveText(['one', 'two']);
	await expect(content.locator('pre code .hljs-keyword').first()).toHaveText('def');
	await content.getByRole('button', { name: 'Copy code' }).click();
	await expect(content.getByRole('button', { name: 'Copy code' })).toHaveText('Copied');
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('def greet():\n    return "hi"\n');
});

test('export as Markdown, and a share link that works signed out until it is revoked', async ({ page, browser }) => {
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Sharer');
	await chat.send('What is worth sharing?');
	await chat.expectAnswerStatus(chat.answers().first(), 'complete');

	const downloadStarted = page.waitForEvent('download');
	await page.getByTestId('export-menu').click();
	await page.getByRole('menuitem', { name: 'Markdown (.md)' }).click();
	const download = await downloadStarted;
	expect(download.suggestedFilename()).toMatch(/\.md$/);
	const exported = await download.createReadStream().then(async (stream) => {
		const chunks: Buffer[] = [];
		for await (const chunk of stream) chunks.push(Buffer.from(chunk));
		return Buffer.concat(chunks).toString('utf8');
	});
	expect(exported).toContain('Echo: What is worth sharing?');

	await page.getByTestId('share-button').click();
	const dialog = page.getByTestId('share-dialog');
	await dialog.getByTestId('create-share').click();
	const url = await dialog.getByTestId('share-url').inputValue();
	expect(url).toMatch(/\/share\/[a-z2-7]{32,}$/);

	const visitor = await browser.newContext();
	const visitorPage = await visitor.newPage();
	const shared = await visitorPage.goto(url);
	expect(shared?.status()).toBe(200);
	await expect(visitorPage.getByTestId('shared-message')).toHaveText(['What is worth sharing?', 'Echo: What is worth sharing?']);

	await dialog.getByRole('button', { name: /^Revoke link/ }).click();
	await expect(dialog.getByTestId('share-list')).toContainText('Revoked');
	const revoked = await visitorPage.goto(url);
	expect(revoked?.status()).toBe(404);
	await visitor.close();
});

test('the chat page has no serious or critical accessibility violations, light and dark', async ({ page }) => {
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Auditor');
	expect(await seriousAccessibilityViolations(page)).toEqual([]);

	await chat.send('Show me a table:\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n```js\nconst x = 1;\n```');
	await chat.expectAnswerStatus(chat.answers().first(), 'complete');
	await chat.answers().first().getByRole('button', { name: 'Regenerate answer' }).click();
	await chat.expectAnswerStatus(chat.answers().first(), 'complete');
	expect(await seriousAccessibilityViolations(page)).toEqual([]);

	await page.emulateMedia({ colorScheme: 'dark' });
	await page.setViewportSize({ width: 375, height: 740 });
	expect(await seriousAccessibilityViolations(page)).toEqual([]);
});

test('on a 375 px screen the chat list folds into a toggle and nothing overflows sideways', async ({ page }) => {
	await page.setViewportSize({ width: 375, height: 740 });
	await page.emulateMedia({ colorScheme: 'dark' });
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Pocket');
	await expect(chat.sidebar).toBeHidden();

	await chat.send(`A long line: ${'x'.repeat(120)} and https://example.com/${'y'.repeat(80)}\n\n\`\`\`\n${'z'.repeat(200)}\n\`\`\``);
	await chat.expectAnswerStatus(chat.answers().first(), 'complete');
	expect(await chat.horizontalOverflow()).toBeLessThanOrEqual(0);
	await expect(page.getByTestId('send-button')).toBeInViewport();

	const toggle = page.getByRole('button', { name: 'Show chats' });
	await toggle.click();
	await expect(chat.sidebar).toBeVisible();
	await expect(page.getByRole('searchbox', { name: 'Search chats' })).toBeFocused();
	await page.keyboard.press('Escape');
	await expect(chat.sidebar).toBeHidden();

	await toggle.click();
	await chat.sidebar.getByTestId('new-chat').click();
	await expect(page).toHaveURL(/\/chat$/);
	await expect(chat.sidebar).toBeHidden();
	await expect(page.getByTestId('empty-state')).toBeVisible();
	expect(await chat.horizontalOverflow()).toBeLessThanOrEqual(0);
});

test('the view follows a streaming answer until the reader scrolls up, and resumes at the bottom', async ({ page }) => {
	await page.setViewportSize({ width: 900, height: 600 });
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Scroller');
	const scroller = page.getByTestId('message-scroller');
	// One word per line: a tall answer that keeps growing for a few seconds.
	await chat.send(Array.from({ length: 160 }, (_, index) => `line${index + 1}`).join('\n'));
	const answer = chat.answers().first();
	await expect.poll(async () => (await chat.answerText(answer)).length).toBeGreaterThan(200);
	await expect(scroller).toHaveAttribute('data-following', 'true');

	await scroller.hover();
	await page.mouse.wheel(0, -400);
	await expect(scroller).toHaveAttribute('data-following', 'false');
	const held = await scroller.evaluate((element) => element.scrollTop);
	await expect.poll(async () => (await chat.answerText(answer)).length).toBeGreaterThan(400);
	expect(await scroller.evaluate((element) => element.scrollTop)).toBe(held);

	await page.getByTestId('jump-to-latest').click();
	await expect(scroller).toHaveAttribute('data-following', 'true');
	await chat.expectAnswerStatus(answer, 'complete');
	await expect.poll(() => scroller.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight)).toBeLessThanOrEqual(48);
});

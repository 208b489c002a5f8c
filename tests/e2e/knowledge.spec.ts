import { expect, test } from '@playwright/test';
import { ChatPage } from './pages/chat-page';

test('a document is uploaded with progress, found by search, cited in a chat answer and opened at the cited passage', async ({ page }) => {
	test.setTimeout(90_000);
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Librarian');

	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Knowledge' }).click();
	await expect(page).toHaveURL(/\/knowledge$/);
	const content = '# Office handbook\n\n## Canteen\n\nThe staff canteen serves vegetable lasagne every Thursday, from noon to two.\n\n## Parking\n\nVisitors park in the north lot and sign in at reception.';
	await page.getByTestId('upload-input').setInputFiles({ name: 'handbook.md', mimeType: 'text/markdown', buffer: Buffer.from(content) });

	const row = page.getByTestId('document-row').filter({ hasText: 'handbook' });
	await expect(row).toBeVisible();
	// Indexing shows a progress bar until the document is ready (the job queue polls every few seconds).
	await expect(row.getByRole('progressbar', { name: 'Indexing progress' })).toBeVisible();
	await expect(row.getByTestId('document-status')).toHaveText('Ready', { timeout: 45_000 });

	await page.getByTestId('knowledge-search').fill('vegetable lasagne');
	const result = page.getByTestId('search-result').first();
	await expect(result).toContainText('handbook');
	await expect(result.locator('mark').first()).toHaveText(/lasagne|vegetable/i);

	await chat.goto();
	await page.getByLabel('Model').selectOption('offline');
	await chat.send('What does the canteen serve on Thursdays?');
	const answer = chat.answers().first();
	await chat.expectAnswerStatus(answer, 'complete');
	await expect(answer.getByTestId('message-content')).toContainText('vegetable lasagne');
	const source = answer.getByTestId('message-source').first();
	await expect(source).toContainText('[1]');
	await expect(source).toContainText('handbook');
	await expect(answer.getByTestId('sources-used')).toContainText('Sources used: ');

	await source.getByRole('link', { name: 'handbook' }).click();
	await expect(page).toHaveURL(/\/knowledge\/[0-9a-f-]+#chunk-[0-9a-f-]+$/);
	const chunkId = new URL(page.url()).hash.slice(1);
	await expect(page.locator(`[id="${chunkId}"]`)).toContainText('vegetable lasagne');
});

test('the composer’s knowledge base switch: off, the answer cites nothing, and it stays off for that chat after a reload', async ({ page }) => {
	test.setTimeout(90_000);
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Switcher');
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Knowledge' }).click();
	const content = '# Garden rules\n\n## Watering\n\nThe roses are watered with rain water every Tuesday evening.';
	await page.getByTestId('upload-input').setInputFiles({ name: 'garden.md', mimeType: 'text/markdown', buffer: Buffer.from(content) });
	await expect(page.getByTestId('document-row').filter({ hasText: 'garden' }).getByTestId('document-status')).toHaveText('Ready', { timeout: 45_000 });

	await chat.goto();
	const toggle = page.getByRole('button', { name: 'Knowledge base' });
	// A new chat starts from the user's setting (on by default).
	await expect(toggle).toHaveAttribute('aria-pressed', 'true');
	await toggle.focus();
	await page.keyboard.press('Space');
	await expect(toggle).toHaveAttribute('aria-pressed', 'false');
	await page.getByLabel('Model').selectOption('offline');
	await chat.send('When are the roses watered?');
	const answer = chat.answers().first();
	await chat.expectAnswerStatus(answer, 'complete');
	await expect(answer.getByTestId('message-source')).toHaveCount(0);
	await expect(page).toHaveURL(/\/chat\/[0-9a-f-]+$/);

	await page.reload();
	await expect(page.getByRole('button', { name: 'Knowledge base' })).toHaveAttribute('aria-pressed', 'false');
	await expect(chat.answers().first().getByTestId('message-source')).toHaveCount(0);
});

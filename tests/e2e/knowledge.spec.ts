import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { ChatPage } from './pages/chat-page';
import { ADMIN_STORAGE_STATE } from './support/admin-account';

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

async function switchEmbedder(page: Page, name: string): Promise<void> {
	await page.getByRole('button', { name: `Switch to ${name} (re-embed everything)` }).click();
	const dialog = page.getByTestId('confirm-dialog');
	await expect(dialog).toContainText('Search keeps using the current');
	await dialog.getByRole('button', { name: `Re-embed with ${name}` }).click();
	// The page follows the background job (progress while it runs) until the new embedder is live.
	await expect(page.getByTestId(`embedder-${name}`).getByTestId('embedder-state')).toHaveText('Live', { timeout: 60_000 });
	await expect(page.getByTestId('reembed-progress')).toHaveCount(0);
}

test('an admin switches the embedder from the knowledge admin page: confirmed, followed live, audited', async ({ browser }) => {
	test.setTimeout(150_000);
	const page = await (await browser.newContext({ storageState: ADMIN_STORAGE_STATE })).newPage();
	await page.goto('/admin');
	await page.getByRole('link', { name: 'Knowledge', exact: true }).last().click();
	await expect(page).toHaveURL(/\/admin\/knowledge$/);
	const live = page.getByTestId('embedder-use-lite');
	await expect(live.getByTestId('embedder-state')).toHaveText('Live');
	await expect(page.getByTestId('embedder-hashed')).toContainText('1536');
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	expect(results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => violation.id)).toEqual([]);

	await switchEmbedder(page, 'hashed');
	await expect(live.getByTestId('embedder-state')).toHaveText('Not in use');
	await page.goto('/admin/audit');
	await expect(page.getByText('embedder.reembed').first()).toBeVisible();
	// Back to the default, so the server is as the other specs expect it.
	await page.goto('/admin/knowledge');
	await switchEmbedder(page, 'use-lite');
});

import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { ChatPage } from './pages/chat-page';

/** A free account may send 10 messages a minute (tier_limits seed); windows are whole UTC minutes. */
const FREE_MESSAGES_PER_MINUTE = 10;

test('a free user past the limit sees the wait, keeps the typed text, and sends it when the wait ends', async ({ page }) => {
	test.setTimeout(150_000);
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Limited');
	// Knowledge base off for this chat: whether a question is embedded depends on how many of the user
	// guide's passages share its words (integration tests count those calls), so the count below is exact.
	const knowledge = page.getByRole('button', { name: 'Knowledge base' });
	await knowledge.click();
	await expect(knowledge).toHaveAttribute('aria-pressed', 'false');
	// Ten quick messages early in a minute, so the eleventh is refused within the same window.
	if (Date.now() % 60_000 > 35_000) await page.waitForTimeout(61_000 - (Date.now() % 60_000));
	for (let i = 1; i <= FREE_MESSAGES_PER_MINUTE; i++) {
		await chat.send(`message ${i}`);
		await chat.expectAnswerStatus(chat.answers().nth(i - 1), 'complete');
	}
	// At 8 of 10 the page already warned.
	await expect(page.getByTestId('quota-warning')).toContainText('Messages this minute: 10 of 10 used');

	await chat.send('the one that has to wait');
	const wait = page.getByTestId('quota-wait');
	await expect(wait).toContainText("You've used your 10 messages for this minute");
	await expect(page.getByTestId('quota-countdown')).toHaveText(/^\d+ s$/);
	await expect(chat.composer).toHaveValue('the one that has to wait');
	await expect(chat.questions()).toHaveCount(FREE_MESSAGES_PER_MINUTE);
	await expect(page.getByTestId('send-button')).toBeDisabled();

	// The countdown ends with the minute; the same text then goes through.
	await expect(wait).toHaveCount(0, { timeout: 65_000 });
	await expect(page.getByTestId('send-button')).toBeEnabled();
	await chat.composer.press('Enter');
	await chat.expectAnswerStatus(chat.answers().nth(FREE_MESSAGES_PER_MINUTE), 'complete');
	await expect(chat.answers().nth(FREE_MESSAGES_PER_MINUTE).getByTestId('message-content')).toHaveText('Echo: the one that has to wait');

	// /usage shows the meters and the 30-day history.
	await page.getByRole('link', { name: 'Usage', exact: true }).click();
	await expect(page.getByRole('heading', { name: 'Usage', level: 1 })).toBeVisible();
	await expect(page.getByTestId('usage-tier')).toContainText('Free');
	const today = page.getByTestId('limit-requests_per_day');
	await expect(today).toContainText(`${FREE_MESSAGES_PER_MINUTE + 1} of 200`);
	await expect(today.getByRole('meter')).toHaveAttribute('aria-valuenow', String(FREE_MESSAGES_PER_MINUTE + 1));
	await expect(page.getByTestId('usage-chart').locator('canvas').first()).toBeVisible();
	await page.getByTestId('usage-chart').getByRole('button', { name: 'Show data' }).first().click();
	// Today's row counts every logged call: the 11 answers, the chat's title and the refused send.
	await expect(page.getByRole('table', { name: 'Model calls per day' }).locator('tbody tr').last().locator('td').last()).toHaveText('13');

	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	expect(results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => violation.id)).toEqual([]);
});

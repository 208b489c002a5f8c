import { expect, test } from '@playwright/test';

test.describe('app shell', () => {
	test('home page shows the product, navigation and a working theme toggle', async ({ page }) => {
		await page.goto('/');
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your own AI assistant');
		const nav = page.getByRole('navigation', { name: 'Main' });
		for (const area of ['Chat', 'Knowledge', 'Settings']) await expect(nav).toContainText(area);

		const html = page.locator('html');
		await expect(html).toHaveAttribute('data-theme', 'system');
		const toggle = page.getByTestId('theme-toggle').first();
		await toggle.click();
		await expect(html).toHaveAttribute('data-theme', 'light');
		await toggle.click();
		await expect(html).toHaveAttribute('data-theme', 'dark');
		const darkCanvas = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
		await page.reload();
		// Rendered by the server from the cookie: no flash of the wrong theme.
		await expect(html).toHaveAttribute('data-theme', 'dark');
		expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe(darkCanvas);
		expect(darkCanvas).toBe('rgb(15, 16, 20)');
	});

	test('"system" follows the operating system colour scheme', async ({ page }) => {
		await page.emulateMedia({ colorScheme: 'dark' });
		await page.goto('/');
		expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(15, 16, 20)');
		await page.emulateMedia({ colorScheme: 'light' });
		expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(247, 247, 248)');
	});

	test('unknown pages get the styled 404 page', async ({ page }) => {
		const response = await page.goto('/no/such/page');
		expect(response?.status()).toBe(404);
		await expect(page.getByTestId('error-page')).toContainText('404');
		await expect(page.getByRole('link', { name: 'Back to the start' })).toBeVisible();
	});

	test('works on a 375 px wide screen', async ({ page }) => {
		await page.setViewportSize({ width: 375, height: 740 });
		await page.goto('/');
		const nav = page.getByRole('navigation', { name: 'Main' });
		await expect(nav).toBeHidden();
		await page.getByRole('button', { name: 'Menu' }).click();
		await expect(nav).toBeVisible();
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
		expect(overflow).toBeLessThanOrEqual(0);
	});
});

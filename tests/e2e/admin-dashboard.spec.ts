import { readFile } from 'node:fs/promises';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { SignUpPage } from './pages/auth-pages';
import { ChatPage } from './pages/chat-page';
import { ADMIN_STORAGE_STATE } from './support/admin-account';

/** axe-core over WCAG 2.1 A/AA; only serious and critical findings fail. */
async function expectNoSeriousViolations(page: Page): Promise<void> {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	expect(results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}

async function adminPage(browser: Browser): Promise<Page> {
	const context = await browser.newContext({ storageState: ADMIN_STORAGE_STATE });
	return context.newPage();
}

/** Downloads a CSV by clicking its link; returns its lines (without the byte order mark). */
async function download(page: Page, linkName: string): Promise<{ name: string; lines: string[] }> {
	const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: linkName }).click()]);
	const path = await file.path();
	const text = (await readFile(path, 'utf8')).replace(/^\ufeff/, '');
	return { name: file.suggestedFilename(), lines: text.split('\r\n').filter((line) => line.length > 0) };
}

test('the dashboard charts the chats a user just had, and its CSV exports open with the right header', async ({ page, browser }) => {
	test.setTimeout(90_000);
	const email = `dashboarded-${Date.now()}@example.test`;
	const signUp = new SignUpPage(page);
	await signUp.goto();
	await signUp.signUp('Dashboarded', email, 'a long enough passphrase');
	await expect(page.getByTestId('welcome')).toBeVisible();
	const chat = new ChatPage(page);
	await chat.goto();
	await chat.send('first question for the dashboard');
	await chat.expectAnswerStatus(chat.answers().nth(0), 'complete');
	await chat.send('second question for the dashboard');
	await chat.expectAnswerStatus(chat.answers().nth(1), 'complete');
	await expect(chat.title).not.toHaveText(/New chat/i);
	// The user's own count of model calls (answers and the chat's title), from their usage page.
	await page.goto('/usage');
	const calls = Number((await page.getByTestId('usage-tier').textContent())?.match(/([\d,]+) model calls/)?.[1]?.replace(/,/g, ''));
	expect(calls).toBeGreaterThanOrEqual(3);

	const admin = await adminPage(browser);
	await admin.goto('/admin?range=24h');
	await expect(admin.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
	await expect(admin.getByRole('link', { name: '24 hours' })).toHaveAttribute('aria-current', 'page');
	await expect(admin.getByTestId('stat-requests')).toBeVisible();
	const charts = admin.getByTestId('overview-charts');
	await expect(charts.locator('canvas').first()).toBeVisible();
	await expect(charts.getByRole('img', { name: /^Model calls per hour\./ })).toBeVisible();
	await expect(charts.getByRole('img', { name: /^p95 latency by model\./ })).toBeVisible();

	// Top users: this user's row holds exactly the calls their own usage page counts.
	const row = admin.getByTestId('top-users').getByRole('row').filter({ hasText: email });
	await expect(row).toHaveCount(1);
	await expect(row.getByRole('cell').nth(2)).toHaveText(String(calls));
	await expect(admin.getByTestId('by-model')).toContainText('GPT-4o mini');

	// The hourly chart's data table: this hour holds at least this user's calls.
	await charts.getByRole('button', { name: 'Show data' }).first().click();
	const lastHour = charts.getByRole('table', { name: 'Model calls per hour' }).locator('tbody tr').last();
	const thisHour = Number((await lastHour.locator('td').nth(1).textContent())?.replace(/,/g, ''));
	expect(thisHour).toBeGreaterThanOrEqual(calls);

	const byUser = await download(admin, 'Export usage by user (CSV)');
	expect(byUser.name).toMatch(/^airassist-usage-by-user-24h-\d{4}-\d{2}-\d{2}\.csv$/);
	expect(byUser.lines[0]).toBe('date,user_id,email,tier,requests,errors,total_tokens,cost_usd');
	expect(byUser.lines.find((line) => line.includes(email))).toMatch(new RegExp(`,${email.replace(/[.+]/g, '\\$&')},free,${calls},0,\\d+,\\d+\\.\\d{6}$`));

	const byDay = await download(admin, 'Export by day (CSV)');
	expect(byDay.lines[0]).toBe('date,requests,successes,errors,cancelled,rate_limited,prompt_tokens,completion_tokens,total_tokens,cost_usd,latency_p50_ms,latency_p95_ms,ttft_p50_ms,ttft_p95_ms');
	expect(byDay.lines.at(-1)).toMatch(new RegExp(`^${new Date().toISOString().slice(0, 10)},\\d+,`));
	expect((await download(admin, 'Export errors (CSV)')).lines[0]).toBe('created_at,email,user_id,model,provider,endpoint,latency_ms,message');
	expect((await download(admin, 'Export (CSV)')).lines[0]).toMatch(/^date,model,endpoint,requests,/);

	// Another period is another URL; 90 days shows daily points.
	await admin.getByRole('link', { name: '90 days' }).click();
	await expect(admin).toHaveURL(/range=90d/);
	await expect(admin.getByTestId('overview-charts').getByRole('img', { name: /^Model calls per day\./ })).toBeVisible();
	await admin.context().close();
});

test('only administrators get the dashboards and the exports', async ({ page }) => {
	const chat = new ChatPage(page);
	await chat.signUpAndOpen('Curious');
	const response = await page.goto('/admin');
	expect(response?.status()).toBe(403);
	expect((await page.request.get('/admin/export/errors?range=7d')).status()).toBe(403);
	expect((await page.request.get('/admin/export/usage-by-user')).status()).toBe(403);
	await page.context().clearCookies();
	expect((await page.request.get('/admin/export/errors', { maxRedirects: 0 })).status()).toBe(401);
});

test('the system page shows health and the sampled metrics (or says none are sampled yet)', async ({ browser }) => {
	const admin = await adminPage(browser);
	await admin.goto('/admin/system');
	await expect(admin.getByRole('heading', { name: 'System', level: 1 })).toBeVisible();
	await expect(admin.getByTestId('health-status')).toContainText('Operational');
	await expect(admin.getByTestId('system-charts').or(admin.getByTestId('system-empty'))).toBeVisible();
	await admin.context().close();
});

for (const path of ['/admin', '/admin/system']) {
	test(`axe finds nothing serious on ${path}, at desktop size and at 375 px in the dark theme`, async ({ browser }) => {
		const admin = await adminPage(browser);
		await admin.goto(path);
		await expect(admin.getByRole('heading', { level: 1 })).toBeVisible();
		await expect(admin.getByRole('status')).toHaveCount(0);
		await expectNoSeriousViolations(admin);

		await admin.setViewportSize({ width: 375, height: 800 });
		await admin.emulateMedia({ colorScheme: 'dark' });
		await admin.reload();
		await expect(admin.getByRole('status')).toHaveCount(0);
		expect(await admin.evaluate(() => getComputedStyle(document.documentElement).colorScheme)).toBe('dark');
		await expectNoSeriousViolations(admin);
		await admin.context().close();
	});
}

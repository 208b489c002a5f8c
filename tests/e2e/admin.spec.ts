import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { SignUpPage } from './pages/auth-pages';
import { ADMIN_SERVER_URL } from './servers';

/**
 * The admin console on a server of its own (playwright.config.ts): its first account is the
 * administrator. The admin moves a user to another tier and changes a model's allowed tiers; the
 * user's open chat and usage pages follow without a reload, and the server is never restarted.
 */

const PASSWORD = 'a long enough passphrase';

async function signUp(browser: Browser, name: string): Promise<{ page: Page; email: string }> {
	const context = await browser.newContext({ baseURL: ADMIN_SERVER_URL });
	const page = await context.newPage();
	const email = `${name.toLowerCase()}-${Date.now()}@example.test`;
	const signUpPage = new SignUpPage(page);
	await signUpPage.goto();
	await signUpPage.signUp(name, email, PASSWORD);
	await expect(page.getByTestId('welcome')).toBeVisible();
	return { page, email };
}

async function expectNoSeriousViolations(page: Page, label: string): Promise<void> {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
	expect(serious.map((violation) => `${label}: ${violation.id} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`)).toEqual([]);
}

test('an admin changes a user’s tier and a model’s allowed tiers; the user’s picker and limits follow without a restart', async ({ browser }) => {
	test.setTimeout(120_000);
	const admin = await signUp(browser, 'Admin');
	const member = await signUp(browser, 'Member');

	// Non-admins are kept out of the console.
	const refused = await member.page.goto('/admin/users');
	expect(refused?.status()).toBe(403);

	// The member has chat and usage open, as a free user.
	const chat = member.page;
	await chat.goto('/chat');
	const picker = chat.getByTestId('model-picker');
	await expect(picker.locator('option', { hasText: 'GPT-4o mini' })).toHaveCount(1);
	await expect(picker.locator('option', { hasText: /^GPT-5$/ })).toHaveCount(0);
	const usage = await chat.context().newPage();
	await usage.goto('/usage');
	await expect(usage.getByTestId('usage-tier')).toContainText('Free');
	await expect(usage.getByTestId('limit-requests_per_minute')).toContainText('of 10');

	// The admin finds the member and moves them to Pro.
	const page = admin.page;
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).waitFor();
	await page.goto('/admin/users');
	await page.getByLabel('Search').fill('member-');
	await page.getByRole('button', { name: 'Search' }).click();
	await expect(page.getByTestId('user-row')).toHaveCount(1);
	await page.getByRole('link', { name: member.email }).click();
	await page.getByLabel('Tier', { exact: true }).selectOption('pro');
	await expect(page.getByText('moves from Free to Pro')).toBeVisible();
	await page.getByRole('button', { name: 'Save tier and role' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Saved: Pro' })).toBeVisible();

	// …and takes GPT-4o mini away from Pro.
	await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Models' }).click();
	const mini = page.getByTestId('model-gpt-4o-mini');
	await mini.getByRole('button', { name: 'Edit GPT-4o mini' }).click();
	await mini.getByTestId('model-form').getByLabel('Pro', { exact: true }).uncheck();
	await mini.getByRole('button', { name: 'Save model' }).click();
	await expect(mini.getByTestId('model-tiers')).toHaveText('Tiers: Free, Basic, Enterprise');

	// The member's open pages follow, without a reload.
	await expect(picker.locator('option', { hasText: /^GPT-5$/ })).toHaveCount(1, { timeout: 20_000 });
	await expect(picker.locator('option', { hasText: 'GPT-4o mini' })).toHaveCount(0);
	await expect(usage.getByTestId('usage-tier')).toContainText('Pro', { timeout: 20_000 });
	await expect(usage.getByTestId('limit-requests_per_minute')).toContainText('of 60');

	// A tier edit states its effect before it is saved.
	await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Tiers' }).click();
	const free = page.getByTestId('tier-free');
	await free.getByLabel('Messages a minute').fill('5');
	await expect(free.getByTestId('tier-effect')).toContainText('Free users drop from 10 to 5 messages a minute.');
	await free.getByRole('button', { name: 'Save Free' }).click();
	await expect(free.getByRole('status')).toHaveText('Free saved.');

	// Every change is in the audit log, and the exports download as CSV with their headers.
	await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Audit' }).click();
	await expect(page.getByTestId('audit-row')).toHaveCount(3);
	await expect(page.getByTestId('audit-row').first()).toContainText('tier.update');
	await expect(page.getByTestId('audit-row').nth(1)).toContainText('allowedTiers');
	await expect(page.getByTestId('audit-row').nth(2)).toContainText('tier: "free" → "pro"');
	const auditCsv = await page.request.get('/admin/audit/export');
	expect(auditCsv.headers()['content-type']).toContain('text/csv');
	expect((await auditCsv.text()).replace(/^\ufeff/, '').split('\r\n')[0]).toBe('at,actor_email,action,target_type,target_id,target_label,before,after,ip_address,user_agent');
	const usersCsv = await page.request.get('/admin/users/export?sort=email&direction=asc');
	const lines = (await usersCsv.text()).replace(/^\ufeff/, '').trim().split('\r\n');
	expect(lines[0]).toBe('email,name,tier,role,status,created_at,last_active_at,month_requests,month_tokens,month_cost_usd');
	expect(lines).toHaveLength(3);
	expect((await member.page.request.get('/admin/users/export')).status()).toBe(403);

	// Accessibility of every admin page, on a desktop and on a 375 px phone in dark mode.
	await page.goto('/admin/users?search=member-');
	await page.getByRole('link', { name: member.email }).click();
	const userDetailPath = new URL(page.url()).pathname;
	const paths = ['/admin/models', '/admin/tiers', '/admin/users', userDetailPath, '/admin/audit'];
	for (const path of paths) {
		await page.goto(path);
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
		await expectNoSeriousViolations(page, `desktop ${path}`);
	}
	await page.setViewportSize({ width: 375, height: 800 });
	await page.emulateMedia({ colorScheme: 'dark' });
	for (const path of paths) {
		await page.goto(path);
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
		await expectNoSeriousViolations(page, `375px dark ${path}`);
	}
});

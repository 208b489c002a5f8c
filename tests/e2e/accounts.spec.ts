import { expect, test } from '@playwright/test';
import { AppShell, SignInPage, SignUpPage } from './pages/auth-pages';
import { BUILT_SERVER_URL } from './servers';

const password = 'a long enough passphrase';

test('a newcomer signs up, signs out and in, changes a setting and scripts the API with a token', async ({ page }) => {
	const email = `newcomer-${Date.now()}@example.test`;
	const shell = new AppShell(page);

	// Private pages send visitors to sign in first.
	await page.goto('/settings');
	await expect(page).toHaveURL(/\/login\?redirectTo=%2Fsettings$/);

	const signUp = new SignUpPage(page);
	await signUp.goto();
	await signUp.signUp('Newcomer', email, password);
	await expect(page).toHaveURL(`${BUILT_SERVER_URL}/`);
	await expect(page.getByTestId('welcome')).toHaveText('Welcome, Newcomer.');
	await expect(shell.signedInAs()).toHaveText('Newcomer');

	await shell.signOut();
	await expect(page).toHaveURL(/\/login$/);
	await expect(shell.signedInAs()).toHaveCount(0);

	const signIn = new SignInPage(page);
	await signIn.signInWithKeyboard(email, 'not my password');
	await signIn.expectError('That email and password don’t match an account.');
	// What was typed is kept, so the person only corrects the password.
	await expect(page.getByLabel('Email')).toHaveValue(email);

	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page.getByTestId('welcome')).toBeVisible();

	// A setting survives a reload.
	await page.goto('/settings');
	const preferences = page.getByTestId('section-preferences');
	await preferences.getByLabel('Temperature').fill('1.3');
	await preferences.getByLabel('Custom instructions').fill('Answer in haiku.');
	await preferences.getByRole('button', { name: 'Save preferences' }).click();
	await expect(page.getByTestId('preferences-saved')).toBeVisible();
	await page.reload();
	await expect(preferences.getByLabel('Temperature')).toHaveValue('1.3');
	await expect(preferences.getByLabel('Custom instructions')).toHaveValue('Answer in haiku.');

	// An out-of-range value is explained next to its field and nothing is lost.
	await preferences.getByLabel('Maximum answer length (tokens)').fill('0');
	await preferences.getByLabel('Maximum answer length (tokens)').evaluate((input) => input.removeAttribute('min'));
	await preferences.getByRole('button', { name: 'Save preferences' }).click();
	await expect(preferences.getByTestId('error-maxTokens')).toHaveText('Use at least 1');
	await expect(preferences.getByLabel('Custom instructions')).toHaveValue('Answer in haiku.');

	// An API token, shown once, works from a plain Node fetch against a tRPC procedure.
	const tokens = page.getByTestId('section-tokens');
	await tokens.getByLabel('Token name').fill('e2e script');
	await tokens.getByRole('button', { name: 'Create token' }).click();
	const token = (await page.getByTestId('new-token').textContent()) ?? '';
	expect(token).toMatch(/^aa_/);
	const response = await fetch(`${BUILT_SERVER_URL}/api/trpc/account.profile.get`, { headers: { authorization: `Bearer ${token}` } });
	expect(response.status).toBe(200);
	const body = (await response.json()) as { result: { data: { json: { email: string; displayName: string } } } };
	expect(body.result.data.json).toMatchObject({ email, displayName: 'Newcomer' });
	const anonymous = await fetch(`${BUILT_SERVER_URL}/api/trpc/account.profile.get`);
	expect(anonymous.status).toBe(401);

	await page.reload();
	await expect(page.getByTestId('new-token')).toHaveCount(0);
	await tokens.getByRole('button', { name: 'Revoke token e2e script' }).click();
	await expect(tokens.getByTestId('token-list')).toContainText('revoked');
	const revoked = await fetch(`${BUILT_SERVER_URL}/api/trpc/account.profile.get`, { headers: { authorization: `Bearer ${token}` } });
	expect(revoked.status).toBe(401);
});

test('sign-up form explains problems inline and keeps what was typed', async ({ page }) => {
	await page.goto('/signup');
	await page.getByLabel('Name').fill('Shorty');
	await page.getByLabel('Email').fill('shorty@example.test');
	await page.getByLabel('Password').fill('short');
	await page.getByLabel('Password').evaluate((input) => input.removeAttribute('minlength'));
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page.getByTestId('error-password')).toHaveText('Use at least 8 characters');
	await expect(page.getByLabel('Name')).toHaveValue('Shorty');
	await expect(page.getByLabel('Email')).toHaveValue('shorty@example.test');
});

test('responses carry a CSP and browser security headers; cross-site API posts are refused', async ({ request }) => {
	const page = await request.get('/');
	const headers = page.headers();
	expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
	expect(headers['content-security-policy']).toContain("script-src 'self'");
	expect(headers['x-content-type-options']).toBe('nosniff');
	expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');

	const crossSite = await request.post('/api/trpc/auth.signOut', { headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, data: {} });
	expect(crossSite.status()).toBe(403);
});

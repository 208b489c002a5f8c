import { expect, test as setup } from '@playwright/test';
import { SignUpPage } from './pages/auth-pages';
import { ADMIN_ACCOUNT, ADMIN_STORAGE_STATE } from './support/admin-account';

setup('the first account on the e2e server becomes its administrator', async ({ page }) => {
	const signUp = new SignUpPage(page);
	await signUp.goto();
	await signUp.signUp(ADMIN_ACCOUNT.name, ADMIN_ACCOUNT.email, ADMIN_ACCOUNT.password);
	await expect(page.getByTestId('welcome')).toBeVisible();
	await expect(page.getByRole('link', { name: 'Admin', exact: true }).first()).toBeVisible();
	await page.context().storageState({ path: ADMIN_STORAGE_STATE });
});

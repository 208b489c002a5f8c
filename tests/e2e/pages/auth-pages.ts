import { expect, type Page } from '@playwright/test';

/** Page objects for the account pages: tests say what a person does, not which selectors exist. */
export class SignUpPage {
	constructor(private readonly page: Page) {}
	async goto(): Promise<void> {
		await this.page.goto('/signup');
	}
	async signUp(name: string, email: string, password: string): Promise<void> {
		await this.page.getByLabel('Name').fill(name);
		await this.page.getByLabel('Email').fill(email);
		await this.page.getByLabel('Password').fill(password);
		await this.page.getByRole('button', { name: 'Create account' }).click();
	}
}

export class SignInPage {
	constructor(private readonly page: Page) {}
	async goto(): Promise<void> {
		await this.page.goto('/login');
	}
	/** Uses only the keyboard: type, Tab to the next field, Enter to submit. */
	async signInWithKeyboard(email: string, password: string): Promise<void> {
		await this.page.getByLabel('Email').focus();
		await this.page.keyboard.type(email);
		await this.page.keyboard.press('Tab');
		await this.page.keyboard.type(password);
		await this.page.keyboard.press('Enter');
	}
	async expectError(text: RegExp | string): Promise<void> {
		await expect(this.page.getByTestId('error-password')).toContainText(text);
	}
}

export class AppShell {
	constructor(private readonly page: Page) {}
	async signOut(): Promise<void> {
		await this.page.getByRole('button', { name: 'Sign out' }).first().click();
	}
	signedInAs() {
		return this.page.getByTestId('signed-in-as');
	}
}

import type { Theme } from '$lib/theme/theme';

declare global {
	namespace App {
		interface Locals {
			requestId: string;
			theme: Theme;
		}
		interface Error {
			message: string;
			requestId?: string;
		}
	}
}

export {};

import type { AuthSession, AuthUser } from '$lib/server/auth/auth-user';
import type { Theme } from '$lib/theme/theme';

declare global {
	namespace App {
		interface Locals {
			requestId: string;
			clientIp: string | null;
			/** The public URL is https: session cookies are Secure (hooks.server.ts decides). */
			secureCookies: boolean;
			theme: Theme;
			user: AuthUser | null;
			session: AuthSession | null;
		}
		interface Error {
			message: string;
			requestId?: string;
		}
	}
}

export {};

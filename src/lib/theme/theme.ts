/** 'system' follows the operating system's light/dark setting; the others pin it. */
export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

export const THEME_COOKIE = 'theme';

export function parseTheme(value: string | null | undefined): Theme {
	return THEMES.find((theme) => theme === value) ?? 'system';
}

export function nextTheme(current: Theme): Theme {
	return THEMES[(THEMES.indexOf(current) + 1) % THEMES.length] ?? 'system';
}

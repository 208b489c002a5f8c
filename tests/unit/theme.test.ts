import { describe, expect, it } from 'vitest';
import { nextTheme, parseTheme } from '../../src/lib/theme/theme';

describe('theme', () => {
	it('cycles system → light → dark → system', () => {
		expect(nextTheme('system')).toBe('light');
		expect(nextTheme('light')).toBe('dark');
		expect(nextTheme('dark')).toBe('system');
	});

	it('treats unknown cookie values as system', () => {
		expect(parseTheme('dark')).toBe('dark');
		expect(parseTheme('<script>')).toBe('system');
		expect(parseTheme(undefined)).toBe('system');
	});
});

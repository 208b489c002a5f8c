import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/lib/server/env';
import { isCrossSite, publicOrigin } from '../../src/lib/server/http/public-origin';

// What adapter-node hands the app when neither ORIGIN nor PROTOCOL_HEADER is set: the Host header under https.
const guessed = new URL('https://localhost:3000/api/trpc/auth.signUp');

function post(origin: string | null, contentType = 'application/json', extra: Record<string, string> = {}): Request {
	const headers: Record<string, string> = { 'content-type': contentType, ...extra };
	if (origin) headers.origin = origin;
	return new Request('http://localhost:3000/signup', { method: 'POST', headers, body: 'x' });
}

describe('public origin', () => {
	it('without ORIGIN, accepts the host the request was sent to under either scheme and keeps cookies usable over http', () => {
		const site = publicOrigin(guessed, {});
		expect(site).toEqual({ allowed: ['http://localhost:3000', 'https://localhost:3000'], https: false });
		expect(publicOrigin(new URL('https://192.168.1.20:3000/'), {}).allowed).toContain('http://192.168.1.20:3000');
	});

	it('with ORIGIN, only that origin is ours, and cookies are Secure exactly when it is https', () => {
		expect(publicOrigin(guessed, { origin: 'https://assist.example.com' })).toEqual({ allowed: ['https://assist.example.com'], https: true });
		expect(publicOrigin(guessed, { origin: 'http://intranet:8080/' })).toEqual({ allowed: ['http://intranet:8080'], https: false });
	});

	it('behind a proxy with PROTOCOL_HEADER, trusts the scheme adapter-node read from it', () => {
		expect(publicOrigin(new URL('https://assist.example.com/x'), { protocolHeader: 'x-forwarded-proto' })).toEqual({ allowed: ['https://assist.example.com'], https: true });
		expect(publicOrigin(new URL('http://assist.example.com/x'), { protocolHeader: 'x-forwarded-proto' })).toEqual({ allowed: ['http://assist.example.com'], https: false });
	});

	it('refuses posts from other sites and origin-less form posts, not our own or bearer-token calls', () => {
		const { allowed } = publicOrigin(guessed, {});
		expect(isCrossSite(post('http://localhost:3000'), allowed)).toBe(false);
		expect(isCrossSite(post('http://localhost:3000', 'application/x-www-form-urlencoded'), allowed)).toBe(false);
		expect(isCrossSite(post('http://evil.example'), allowed)).toBe(true);
		expect(isCrossSite(post('http://localhost:3001'), allowed)).toBe(true);
		expect(isCrossSite(post('null', 'multipart/form-data'), allowed)).toBe(true);
		expect(isCrossSite(post(null, 'text/plain'), allowed)).toBe(true);
		expect(isCrossSite(post(null), allowed)).toBe(false);
		expect(isCrossSite(post('http://evil.example', 'application/json', { authorization: 'Bearer aa_x' }), allowed)).toBe(false);
		expect(isCrossSite(new Request('http://localhost:3000/', { headers: { origin: 'http://evil.example' } }), allowed)).toBe(false);
	});

	it('validates ORIGIN and PROTOCOL_HEADER at start', () => {
		expect(parseEnv({ ORIGIN: 'https://assist.example.com', PROTOCOL_HEADER: 'x-forwarded-proto' })).toMatchObject({ ORIGIN: 'https://assist.example.com', PROTOCOL_HEADER: 'x-forwarded-proto' });
		expect(() => parseEnv({ ORIGIN: 'assist.example.com' })).toThrow(/^ORIGIN must be the public URL/);
		expect(() => parseEnv({ PROTOCOL_HEADER: 'x forwarded' })).toThrow(/^PROTOCOL_HEADER must be a header name/);
	});
});

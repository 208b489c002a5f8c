import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';

/** 20 random bytes (160 bits), as the Lucia guide recommends, base32-encoded for cookies and headers. */
export function generateToken(bytes = 20): string {
	const random = new Uint8Array(bytes);
	crypto.getRandomValues(random);
	return encodeBase32LowerCaseNoPadding(random);
}

/** What the database stores instead of a token: its SHA-256, hex-encoded. */
export function hashToken(token: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

/** API tokens carry a recognisable prefix so leaked ones are easy to spot (and to scan for). */
export const API_TOKEN_PREFIX = 'aa_';

export function generateApiToken(): string {
	return `${API_TOKEN_PREFIX}${generateToken(24)}`;
}

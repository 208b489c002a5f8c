import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors';

/**
 * Models' API keys at rest: AES-256-GCM under MODEL_KEYS_SECRET, bound to the model's id (as
 * additional data) so a ciphertext copied onto another row does not decrypt. Stored as
 * 'v1:<key id>:<iv>:<tag>:<ciphertext>' (021); the key id is the first 8 hex digits of the key's
 * SHA-256, so a changed secret is reported as such rather than as a damaged value.
 */

const VERSION = 'v1';

export function secretKeyFrom(secret: string | undefined): Buffer | null {
	if (!secret) return null;
	return /^[0-9a-fA-F]{64}$/.test(secret) ? Buffer.from(secret, 'hex') : Buffer.from(secret, 'base64');
}

function keyIdOf(key: Buffer): string {
	return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function encryptSecret(key: Buffer | null, plaintext: string, boundTo: string): string {
	if (!key) {
		throw new AppError('BAD_REQUEST', 'To store an API key for a model, set MODEL_KEYS_SECRET on the server (32 random bytes, e.g. `openssl rand -hex 32`) and restart it.', {
			field: 'apiKey'
		});
	}
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', key, iv);
	cipher.setAAD(Buffer.from(boundTo, 'utf8'));
	const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
	return [VERSION, keyIdOf(key), iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':');
}

export class SecretUnavailableError extends Error {
	override readonly name = 'SecretUnavailableError';
}

/** The plaintext, or a SecretUnavailableError saying in words why it can't be read. */
export function decryptSecret(key: Buffer | null, stored: string, boundTo: string): string {
	const [version, keyId, iv, tag, ciphertext] = stored.split(':');
	if (version !== VERSION || !keyId || !iv || !tag || ciphertext === undefined) throw new SecretUnavailableError('The stored API key is damaged; enter it again.');
	if (!key) throw new SecretUnavailableError('This model has an API key, but MODEL_KEYS_SECRET is not set on the server, so it cannot be read.');
	if (keyIdOf(key) !== keyId) throw new SecretUnavailableError('This model’s API key was stored under a different MODEL_KEYS_SECRET; enter the key again.');
	try {
		const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
		decipher.setAAD(Buffer.from(boundTo, 'utf8'));
		decipher.setAuthTag(Buffer.from(tag, 'base64url'));
		return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
	} catch (cause) {
		throw new SecretUnavailableError('The stored API key is damaged; enter it again.', { cause });
	}
}

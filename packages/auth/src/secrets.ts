import { createHash, randomBytes } from 'node:crypto';

/** Prefix of refresh tokens, so that a leaked one is recognizable, for example by scanners. */
export const refreshTokenPrefix = 'm0r_';

/** Prefix of API keys; `authenticate` also uses it to tell a key from an access token. */
export const apiKeyPrefix = 'm0k_';

/** Characters of an API key shown in lists: the prefix and the first 8 random characters. */
export const displayPrefixLength = 12;

// 32 random bytes (256 bits) are 43 characters of unpadded base64url.
const secretBytes = 32;
const secretPattern = /^[A-Za-z0-9_-]{43}$/;

/** Create a refresh token: `m0r_` and 32 random bytes in base64url. */
export function generateRefreshToken(): string {
  return refreshTokenPrefix + randomBytes(secretBytes).toString('base64url');
}

/** Create an API key: `m0k_` and 32 random bytes (256 bits) in base64url. */
export function generateApiKey(): string {
  return apiKeyPrefix + randomBytes(secretBytes).toString('base64url');
}

/**
 * Check whether `value` has the shape of a token made with `prefix`. The service checks this
 * before any database lookup, so malformed input costs no query.
 */
export function hasSecretFormat(value: string, prefix: string): boolean {
  return value.startsWith(prefix) && secretPattern.test(value.slice(prefix.length));
}

/**
 * SHA-256 of a refresh token or API key, in hex: the only form in which either is stored.
 * A fast hash is enough because the secrets are 256 random bits, not guessable passwords.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Return the start of an API key, which lists show to tell keys apart but which cannot be used as the key. */
export function displayPrefix(key: string): string {
  return key.slice(0, displayPrefixLength);
}

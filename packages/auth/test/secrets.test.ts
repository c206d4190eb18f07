import { createHash } from 'node:crypto';

import {
  apiKeyPrefix,
  displayPrefix,
  generateApiKey,
  generateRefreshToken,
  hashSecret,
  hasSecretFormat,
  refreshTokenPrefix,
} from '../src/index.js';

describe('secrets', () => {
  it('make API keys of 256 random bits', () => {
    const key = generateApiKey();

    expect(key).toMatch(/^m0k_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(4), 'base64url')).toHaveLength(32);
    expect(generateApiKey()).not.toBe(key);
  });

  it('make refresh tokens of 256 random bits', () => {
    const token = generateRefreshToken();

    expect(token).toMatch(/^m0r_[A-Za-z0-9_-]{43}$/);
    expect(generateRefreshToken()).not.toBe(token);
  });

  it('hash with SHA-256 in hex', () => {
    const key = generateApiKey();

    expect(hashSecret(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashSecret(key)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('show the first 12 characters', () => {
    const key = generateApiKey();

    expect(displayPrefix(key)).toBe(key.slice(0, 12));
    expect(displayPrefix(key)).toMatch(/^m0k_/);
  });

  it.each([
    [generateApiKey(), apiKeyPrefix, true],
    [generateRefreshToken(), refreshTokenPrefix, true],
    [generateRefreshToken(), apiKeyPrefix, false],
    ['m0k_' + 'A'.repeat(42), apiKeyPrefix, false],
    ['m0k_' + 'A'.repeat(44), apiKeyPrefix, false],
    ['m0k_' + 'A'.repeat(42) + '=', apiKeyPrefix, false],
    ['', apiKeyPrefix, false],
  ])('check the format of %s', (value, prefix, expected) => {
    expect(hasSecretFormat(value, prefix)).toBe(expected);
  });
});

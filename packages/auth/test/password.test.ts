import { scryptSync } from 'node:crypto';

import {
  checkPasswordRules,
  hashPassword,
  passwordLimits,
  scryptParameters,
  verifyPassword,
} from '../src/index.js';

const password = 'correct horse battery';

describe('hashPassword', () => {
  it('writes the parameters, salt and key', async () => {
    const encoded = await hashPassword(password);

    const [scheme, cost, blockSize, parallelization, salt, key] = encoded.split('$');
    expect([scheme, cost, blockSize, parallelization]).toEqual(['scrypt', '32768', '8', '1']);
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(scryptParameters.saltBytes);
    expect(Buffer.from(key!, 'base64url')).toHaveLength(scryptParameters.keyBytes);
  });

  it('salts every hash differently', async () => {
    const [first, second] = await Promise.all([hashPassword(password), hashPassword(password)]);

    expect(first).not.toBe(second);
  });
});

describe('verifyPassword', () => {
  let encoded: string;

  beforeAll(async () => {
    encoded = await hashPassword(password);
  });

  it('accepts the password', async () => {
    expect(await verifyPassword(password, encoded)).toBe(true);
  });

  it.each([
    ['another password', 'incorrect horse battery'],
    ['a different case', 'Correct horse battery'],
    ['a prefix', 'correct horse'],
    ['an empty string', ''],
  ])('rejects %s', async (_case, attempt) => {
    expect(await verifyPassword(attempt, encoded)).toBe(false);
  });

  it('treats composed and decomposed accents alike', async () => {
    const composed = await hashPassword('caf\u00e9 au lait!');

    expect(await verifyPassword('cafe\u0301 au lait!', composed)).toBe(true);
  });

  it('checks hashes made with other parameters', async () => {
    // A hash with N = 2^14, as an older version with cheaper parameters might have stored.
    const salt = Buffer.from('saltsaltsaltsalt');
    const key = scryptSync(password, salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const older = `scrypt$16384$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;

    expect(await verifyPassword(password, older)).toBe(true);
    expect(await verifyPassword('incorrect horse battery', older)).toBe(false);
  });

  it.each([
    ['another scheme', 'bcrypt$2b$10$abcdefghijklmnopqrstuv'],
    ['a missing part', 'scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA'],
    ['a cost that is no power of two', 'scrypt$30000$8$1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43)],
    ['a cost needing 1 GiB', 'scrypt$1048576$8$1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43)],
    ['a huge parallelization', 'scrypt$16384$8$1000$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43)],
  ])('rejects a stored hash with %s', async (_case, stored) => {
    await expect(verifyPassword(password, stored)).rejects.toThrow('stored password hash');
  });
});

describe('checkPasswordRules', () => {
  it.each([
    ['the minimum length', 'x'.repeat(passwordLimits.minChars)],
    ['the maximum length', 'x'.repeat(passwordLimits.maxChars)],
    ['ten characters outside the BMP', '🔑'.repeat(10)],
  ])('accepts %s', (_case, candidate) => {
    expect(() => checkPasswordRules(candidate)).not.toThrow();
  });

  it.each([
    ['one character too few', 'x'.repeat(passwordLimits.minChars - 1), 'at least 10'],
    ['nine characters outside the BMP', '🔑'.repeat(9), 'at least 10'],
    ['one character too many', 'x'.repeat(passwordLimits.maxChars + 1), 'at most 256'],
    ['a megabyte', 'x'.repeat(1_000_000), 'at most 256'],
  ])('rejects %s', (_case, candidate, message) => {
    expect(() => checkPasswordRules(candidate)).toThrow(message);
    expect(() => checkPasswordRules(candidate)).toThrow(
      expect.objectContaining({ code: 'validation_failed' }),
    );
  });
});

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

import { codePointLength, Mem0Error } from '@memzero/core';

/** Accepted password lengths, in Unicode code points. */
export const passwordLimits = {
  minChars: 10,
  /** Longer input is rejected before hashing, so that a huge password cannot burn CPU. */
  maxChars: 256,
} as const;

/**
 * The scrypt parameters of new hashes: N = 2^15, r = 8, p = 1 needs 32 MiB of memory and took
 * about 85 ms of one core per hash on a 2-core Xeon server. Each hash records its own
 * parameters, so these can rise later without breaking stored hashes.
 *
 * NOTE: OWASP's Password Storage Cheat Sheet (May 2023 revision) recommends at least N = 2^17 with
 * the same r and p, which costs 128 MiB and four times the time per login.
 */
export const scryptParameters = {
  cost: 2 ** 15,
  blockSize: 8,
  parallelization: 1,
  saltBytes: 16,
  keyBytes: 32,
} as const;

// Bounds on the parameters read back from a stored hash, so that a corrupted or forged row
// cannot make one verification take seconds or gigabytes.
const maxStoredMemory = 256 * 1024 * 1024;
const maxStoredParallelization = 16;

const encodedPattern = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/**
 * Check a new password against the length rules. Rejects with `validation_failed`; the
 * message never contains the password.
 */
export function checkPasswordRules(password: string): void {
  checkPasswordMaxLength(password);
  if (codePointLength(password) < passwordLimits.minChars) {
    throw new Mem0Error(
      'validation_failed',
      `The password is too short: use at least ${passwordLimits.minChars} characters.`,
      { details: { field: 'password' } },
    );
  }
}

/**
 * Reject a password longer than the maximum with `validation_failed`. Login calls this
 * before hashing, so an oversized password costs no scrypt work there either.
 */
export function checkPasswordMaxLength(password: string): void {
  // A code point takes at most two UTF-16 code units, so a string this long is too long
  // without counting.
  const tooLong =
    password.length > passwordLimits.maxChars * 2 ||
    codePointLength(password) > passwordLimits.maxChars;
  if (tooLong) {
    throw new Mem0Error(
      'validation_failed',
      `The password is too long: use at most ${passwordLimits.maxChars} characters.`,
      { details: { field: 'password' } },
    );
  }
}

/**
 * Hash a password with scrypt and a fresh 16-byte salt. Returns
 * `scrypt$N$r$p$salt$hash`, salt and hash in unpadded base64url. The password is normalized
 * to Unicode NFC first, so the same characters typed on different systems give the same hash.
 * Does not check the length rules; call `checkPasswordRules` first.
 */
export async function hashPassword(password: string): Promise<string> {
  const { cost, blockSize, parallelization, saltBytes, keyBytes } = scryptParameters;
  const salt = randomBytes(saltBytes);
  const key = await deriveKey(password, salt, keyBytes, {
    N: cost,
    r: blockSize,
    p: parallelization,
  });
  return [
    'scrypt',
    cost,
    blockSize,
    parallelization,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

/**
 * Check `password` against an encoded hash made by `hashPassword` with any parameters within
 * the stored-hash bounds, and resolve to whether it matches. The comparison takes the same
 * time wherever the keys differ. Throws a plain `Error` when the stored hash is malformed,
 * because that is a fault of the database, not of the person logging in.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseEncodedHash(encoded);
  const key = await deriveKey(password, parsed.salt, parsed.key.length, {
    N: parsed.cost,
    r: parsed.blockSize,
    p: parsed.parallelization,
  });
  return timingSafeEqual(key, parsed.key);
}

function parseEncodedHash(encoded: string) {
  const match = encodedPattern.exec(encoded);
  if (!match) {
    throw new Error('The stored password hash is not in the format scrypt$N$r$p$salt$hash.');
  }

  const cost = Number(match[1]);
  const blockSize = Number(match[2]);
  const parallelization = Number(match[3]);
  const salt = Buffer.from(match[4]!, 'base64url');
  const key = Buffer.from(match[5]!, 'base64url');
  const valid =
    Number.isSafeInteger(cost) &&
    cost > 1 &&
    (cost & (cost - 1)) === 0 &&
    blockSize >= 1 &&
    128 * cost * blockSize <= maxStoredMemory &&
    parallelization >= 1 &&
    parallelization <= maxStoredParallelization &&
    salt.length >= 8 &&
    key.length >= 16;
  if (!valid) {
    throw new Error('The stored password hash has scrypt parameters outside the accepted bounds.');
  }
  return { cost, blockSize, parallelization, salt, key };
}

function deriveKey(
  password: string,
  salt: Buffer,
  keyBytes: number,
  options: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      keyBytes,
      { ...options, maxmem: scryptMaxmem(options.N, options.r) },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/**
 * Compute the `maxmem` to pass for N and r. scrypt needs about 128 * N * r bytes, which for
 * the parameters above is exactly Node's default limit of 32 MiB. OpenSSL counts a little
 * more, so twice the need leaves room.
 */
function scryptMaxmem(cost: number, blockSize: number): number {
  return 2 * 128 * cost * blockSize;
}

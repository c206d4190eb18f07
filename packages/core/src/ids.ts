import { randomBytes } from 'node:crypto';

import { invalidArgument } from './errors.js';

// Crockford's base32, as used by ULID: no I, L, O or U.
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ulidPattern = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Create a ULID: 48 bits of milliseconds since the epoch then 80 random bits, 26 characters.
 * Ids sort roughly by creation time and need no coordination between processes.
 */
export function newId(now: number = Date.now()): string {
  let time = '';
  let remaining = now;
  for (let i = 0; i < 10; i++) {
    time = alphabet[remaining % 32] + time;
    remaining = Math.floor(remaining / 32);
  }

  const random = takeRandomBytes(16);
  let tail = '';
  for (let i = 0; i < 16; i++) {
    tail += alphabet[random[i]! % 32];
  }
  return time + tail;
}

// Random bytes are drawn from the system in blocks: one call per id costs more than the rest
// of creating it, and imports create two ids per memory.
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

function takeRandomBytes(count: number): Buffer {
  if (randomOffset + count > randomPool.length) {
    randomPool = randomBytes(4096);
    randomOffset = 0;
  }
  const bytes = randomPool.subarray(randomOffset, randomOffset + count);
  randomOffset += count;
  return bytes;
}

export function isValidId(value: string): boolean {
  return ulidPattern.test(value) || uuidPattern.test(value);
}

/**
 * Check and canonicalize a memory id: a ULID in upper case or a UUID in lower case. Ids from
 * other tools in UUID form are kept so that imports preserve them.
 */
export function parseId(value: string): string {
  const trimmed = value.trim();
  if (ulidPattern.test(trimmed)) {
    return trimmed.toUpperCase();
  }
  if (uuidPattern.test(trimmed)) {
    return trimmed.toLowerCase();
  }
  throw invalidArgument(
    `"${truncateForMessage(trimmed)}" is not a valid memory id. Ids are 26-character ULIDs such as 01JF8ZP6V7G1WQK3M4N5R6S7T8, as printed by add, list and search.`,
  );
}

export function truncateForMessage(value: string, max = 40): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

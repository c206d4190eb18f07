import { Mem0Error } from '@memzero/core';

// SQLSTATE classes and codes (PostgreSQL's errcodes appendix) that mean the server cannot be
// reached or is going away: connection exceptions, operator intervention, insufficient
// resources.
const unavailableStates = /^(08|57P|53)/;

// Network errors from Node's socket layer when the server is down or unreachable.
const unavailableNetworkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Tell whether a transaction lost a race and can run again: a unique key, a deadlock. */
export function isRetryable(error: unknown): boolean {
  const code = errorCode(error);
  return code === '23505' || code === '40001' || code === '40P01';
}

/**
 * Turn driver errors that mean something to a caller into mem0 errors. An unreachable database
 * becomes `store_unavailable` (503) without the driver's text, because that text can name hosts
 * and users. Other errors pass through and end as a 500 that reveals nothing.
 */
export function translatePostgresError(error: unknown): unknown {
  if (error instanceof Mem0Error) {
    return error;
  }

  const code = errorCode(error);
  const message = errorField(error, 'message') ?? '';
  if (
    (code !== undefined && (unavailableStates.test(code) || unavailableNetworkCodes.has(code))) ||
    /Connection terminated|timeout exceeded when trying to connect|not queryable|Query read timeout/i.test(
      message,
    )
  ) {
    return new Mem0Error(
      'store_unavailable',
      'The database is unreachable. Try again in a few seconds.',
      { cause: error },
    );
  }
  return error;
}

function errorCode(error: unknown): string | undefined {
  return errorField(error, 'code');
}

// Errors are read by shape, not with instanceof Error: errors made in another realm (a vm
// context, a worker) are not instances of this realm's Error.
function errorField(error: unknown, field: 'code' | 'message'): string | undefined {
  if (typeof error !== 'object' || error === null || !(field in error)) {
    return undefined;
  }
  const value = (error as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

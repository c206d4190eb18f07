import { type ErrorCode, errorCodes, Mem0Error } from '@memzero/core';

/** The members of a problem+json body that the client reads. */
interface ProblemBody {
  code?: unknown;
  detail?: unknown;
  title?: unknown;
  requestId?: unknown;
  issues?: unknown;
  reason?: unknown;
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}

/** Return the code for a response without a mem0 problem body, such as one from a proxy. */
function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 413:
      return 'payload_too_large';
    case 429:
      return 'rate_limited';
    case 502:
    case 503:
    case 504:
      return 'store_unavailable';
    default:
      return 'internal';
  }
}

/**
 * Turn an error response into a `Mem0Error` with the server's `code` and `detail`. A code this
 * client does not know becomes `internal`. A body that is not a mem0 problem gets a code from
 * the status and a message that names the server.
 */
export async function errorFromResponse(response: Response, server: string): Promise<Mem0Error> {
  let body: ProblemBody | undefined;
  try {
    const parsed: unknown = await response.json();
    body = typeof parsed === 'object' && parsed !== null ? (parsed as ProblemBody) : undefined;
  } catch {
    body = undefined;
  }

  const requestId = typeof body?.requestId === 'string' ? body.requestId : undefined;
  const details: Record<string, unknown> = { status: response.status };
  if (requestId !== undefined) {
    details.requestId = requestId;
  }
  if (Array.isArray(body?.issues)) {
    details.issues = body.issues;
  }
  if (typeof body?.reason === 'string') {
    details.reason = body.reason;
  }

  if (body !== undefined && typeof body.code === 'string' && typeof body.detail === 'string') {
    const code = isErrorCode(body.code) ? body.code : 'internal';
    // A server fault's detail requests that the request id be reported, so the message includes it.
    const message =
      code === 'internal' && requestId !== undefined
        ? `${body.detail} (request id ${requestId})`
        : body.detail;
    return new Mem0Error(code, message, { details });
  }

  const statusText = response.statusText ? ` ${response.statusText}` : '';
  return new Mem0Error(
    codeForStatus(response.status),
    `The mem0 server at ${server} returned HTTP ${response.status}${statusText} without an error description. Check that the URL points at a mem0 server, and try again later.`,
    { details },
  );
}

/** Check whether `error` comes from an abort signal firing, such as `AbortSignal.timeout`. */
export function isTimeout(error: unknown): boolean {
  // Read by shape: the DOMException that fetch rejects with may come from another realm.
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/**
 * Build the error for a request that got no response: a refused or reset connection, a DNS
 * failure or a timeout. The message names the server without credentials and the next step.
 */
export function unreachableError(server: string, error: unknown, timeoutMs: number): Mem0Error {
  if (isTimeout(error)) {
    return new Mem0Error(
      'store_unavailable',
      `The mem0 server at ${server} did not respond within ${timeoutMs / 1000} s. Check that it is running and reachable, then try again.`,
      { cause: error },
    );
  }

  // undici wraps the system error (ECONNREFUSED, ENOTFOUND, …) as the cause of a TypeError.
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  const reason = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
  return new Mem0Error(
    'store_unavailable',
    `Cannot reach the mem0 server at ${server}${reason}. Check that the server is running and that the URL is right, then try again.`,
    { cause: error },
  );
}

/**
 * Build the error of a refresh rejected because the account is disabled. The session is kept:
 * it works again once an administrator enables the account, so logging in again is no help.
 */
export function accountDisabledError(server: string, detail: string): Mem0Error {
  return new Mem0Error(
    'unauthenticated',
    `The mem0 server at ${server} rejected the request: ${detail}`,
  );
}

/** Build the error of a session whose refresh token the server rejected. */
export function sessionEndedError(server: string, detail?: string): Mem0Error {
  const reason = detail ? `: ${detail}` : '.';
  return new Mem0Error(
    'unauthenticated',
    `The mem0 server at ${server} ended your session${reason} Run "mem0 login" to sign in again.`,
  );
}

import type { Response } from 'express';

import { type ErrorCode, Mem0Error } from '@memzero/core';

export const problemContentType = 'application/problem+json';

/** An RFC 9457 problem details object, with the stable mem0 error code as an extension. */
export interface Problem {
  /** A URN that names the kind of problem, `urn:mem0:problem:<code>`; it is not a web page. */
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  /** The id of the request, to find its log lines. */
  requestId?: string;
  [extension: string]: unknown;
}

/**
 * Client-facing details of server-side failures. The message of the error itself stays in the
 * log, because it can name files, SQL or hosts.
 */
const serverSideDetails: Partial<Record<ErrorCode, string>> = {
  store_busy: 'The database is busy with other writes. Try again in a few seconds.',
  store_unavailable: 'The database is unavailable. Try again later.',
  schema_too_new:
    'The database was written by a newer version of mem0 than this server runs. The server needs an upgrade.',
  internal:
    'The server failed to handle the request. Try again; if it keeps failing, report the request id to the server operator.',
};

/** Seconds a client should wait before retrying, for the errors that pass with time. */
const retryAfterSeconds: Partial<Record<ErrorCode, number>> = {
  store_busy: 2,
  store_unavailable: 5,
};

const standardMembers = new Set(['type', 'title', 'status', 'detail', 'instance', 'code']);

/** Build the problem object of an error: 4xx errors keep their message, 5xx errors reveal nothing internal. */
export function problemFor(error: Mem0Error, requestId?: string): Problem {
  const serverSide = error.status >= 500;
  const extensions: Record<string, unknown> = {};
  if (!serverSide) {
    for (const [key, value] of Object.entries(error.details ?? {})) {
      if (!standardMembers.has(key)) {
        extensions[key] = value;
      }
    }
  }

  return {
    type: `urn:mem0:problem:${error.code}`,
    title: titleOf(error.code),
    status: error.status,
    detail: serverSide
      ? (serverSideDetails[error.code] ?? serverSideDetails.internal!)
      : error.message,
    code: error.code,
    ...(requestId === undefined ? {} : { requestId }),
    ...extensions,
  };
}

/** `store_unavailable` becomes "Store unavailable". */
function titleOf(code: ErrorCode): string {
  const words = code.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Send an error as `application/problem+json`, with the headers its status calls for. */
export function sendProblem(response: Response, error: Mem0Error, requestId?: string): void {
  const retryAfter = retryAfterSeconds[error.code];
  if (retryAfter !== undefined && !response.hasHeader('Retry-After')) {
    response.setHeader('Retry-After', String(retryAfter));
  }
  if (error.code === 'unauthenticated') {
    // RFC 6750: a 401 names the scheme the client should use.
    response.setHeader('WWW-Authenticate', 'Bearer realm="mem0"');
  }

  response.status(error.status).type(problemContentType).json(problemFor(error, requestId));
}

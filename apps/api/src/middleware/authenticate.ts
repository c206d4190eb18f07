import type { Request, RequestHandler, Response } from 'express';

import { Mem0Error } from '@memzero/core';

import type { Authenticate, Principal, Scope } from '../principal.js';

// RFC 6750 section 2.1: "Bearer", one or more spaces, then a token68 value.
const bearerPattern = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Return the bearer token of a request, read from the Authorization header only. A token in a
 * query string ends up in proxy and browser logs, and a token in a body is ignored.
 */
export function bearerToken(request: Request): string {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') {
    throw new Mem0Error(
      'unauthenticated',
      'Missing credentials: send a token in the header "Authorization: Bearer <token>".',
    );
  }

  const match = bearerPattern.exec(header);
  if (!match) {
    throw new Mem0Error(
      'unauthenticated',
      'The Authorization header is malformed: it must be "Bearer <token>".',
    );
  }
  return match[1]!;
}

/** Authenticates the bearer token and keeps the caller in `response.locals.principal`. */
export function authenticateRequests(authenticate: Authenticate): RequestHandler {
  return async (request, response, next) => {
    response.locals.principal = await authenticate(bearerToken(request));
    next();
  };
}

/** Return the caller that `authenticateRequests` stored. */
export function principalOf(response: Response): Principal {
  const principal = response.locals.principal as Principal | undefined;
  if (principal === undefined) {
    throw new Mem0Error('internal', 'A route that needs a caller ran without authentication.');
  }
  return principal;
}

/** Rejects callers without `write` scope from routes that change data. */
export function requireScope(scope: Scope): RequestHandler {
  return (_request, response, next) => {
    if (scope === 'write' && principalOf(response).scope !== 'write') {
      throw new Mem0Error(
        'forbidden',
        'This credential can only read. Use a session or a key with write scope to make changes.',
      );
    }
    next();
  };
}

import type { IncomingMessage } from 'node:http';

import { Strategy as BearerStrategy, type VerifyFunctionWithRequest } from 'passport-http-bearer';

import { isMem0Error } from '@memzero/core';

import type { AuthService, Principal } from './service.js';

/**
 * Create a passport strategy named `bearer` that authenticates a request by the credential in its
 * `Authorization: Bearer` header: an API key or an access token. On success `req.user` is the
 * `Principal` and `req.authInfo` is `{ scope }`.
 *
 * passport-http-bearer also reads an `access_token` field of the query string or the body.
 * Those are rejected: URLs end up in logs, browser history and Referer headers, and a body
 * field can be set by a cross-site form. When the header and one of those fields are both
 * present, passport-http-bearer itself responds with 400.
 */
export function createBearerStrategy(
  service: Pick<AuthService, 'authenticate'>,
): BearerStrategy<VerifyFunctionWithRequest> {
  const verify: VerifyFunctionWithRequest = (request, token, done) => {
    if (headerCredential(request) !== token) {
      done(null, false, {
        message:
          'Send the token in the Authorization header (Authorization: Bearer TOKEN), not in the URL or the body.',
        scope: [],
      });
      return;
    }

    service.authenticate(token).then(
      (principal: Principal) => done(null, principal, { scope: principal.scope }),
      (error: unknown) => {
        if (isMem0Error(error) && error.code === 'unauthenticated') {
          done(null, false, { message: headerSafe(error.message), scope: [] });
          return;
        }
        done(error);
      },
    );
  };
  return new BearerStrategy({ passReqToCallback: true }, verify);
}

/** Parse the credential of an `Authorization: Bearer …` header as passport-http-bearer does. */
function headerCredential(request: IncomingMessage): string | undefined {
  const parts = request.headers.authorization?.split(' ');
  if (parts?.length !== 2 || !/^Bearer$/i.test(parts[0]!)) {
    return undefined;
  }
  return parts[1];
}

/**
 * passport-http-bearer puts the message into the `WWW-Authenticate` header as a quoted
 * string, where a double quote, a backslash or a character outside printable ASCII would
 * break the header.
 */
function headerSafe(message: string): string {
  return message.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '');
}

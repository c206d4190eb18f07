import type { ErrorRequestHandler, RequestHandler } from 'express';

import { errorCodes, type ErrorCode, isMem0Error, Mem0Error, notFound } from '@memzero/core';

import { sendProblem } from './problem.js';

/** The fields that body-parser and http-errors put on the errors they raise. */
interface HttpError {
  type?: unknown;
  status?: unknown;
  statusCode?: unknown;
  limit?: unknown;
  expose?: unknown;
}

/**
 * Turn any error into a `Mem0Error`: errors of the mem0 family pass unchanged, the errors of
 * the JSON body parser get their documented codes, and everything else is `internal`.
 */
export function toMem0Error(error: unknown): Mem0Error {
  if (isMem0Error(error)) {
    return error;
  }
  if (typeof error !== 'object' || error === null) {
    return new Mem0Error('internal', 'A non-error value was thrown.', { cause: error });
  }

  const httpError = error as HttpError;
  switch (httpError.type) {
    case 'entity.parse.failed':
      return new Mem0Error(
        'invalid_argument',
        'The request body is not valid JSON. Send one JSON object.',
        { cause: error },
      );
    case 'entity.too.large':
      return new Mem0Error(
        'payload_too_large',
        `The request body is larger than the limit of ${String(httpError.limit)} bytes.`,
        { cause: error },
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new Mem0Error(
        'unsupported_media_type',
        'The request body must be JSON in UTF-8, without an unsupported content encoding.',
        { cause: error },
      );
  }

  const status = Number(httpError.status ?? httpError.statusCode);
  // The router cannot decode a path parameter such as `%E0%A4%A`.
  if (error instanceof URIError && status === 400) {
    return new Mem0Error(
      'invalid_argument',
      'The request path contains invalid percent-encoding. Encode each path segment as UTF-8.',
      { cause: error },
    );
  }

  // Other client errors raised by Express or its parsers, such as an aborted upload.
  if (status >= 400 && status < 500 && httpError.expose === true) {
    return new Mem0Error(codeForStatus(status), 'The request is malformed.', { cause: error });
  }
  return new Mem0Error('internal', 'Unexpected error.', { cause: error });
}

function codeForStatus(status: number): ErrorCode {
  const entry = Object.entries(errorCodes).find(([, value]) => value.status === status);
  return entry ? (entry[0] as ErrorCode) : 'invalid_argument';
}

/**
 * Create the last error handler, which sends every error as problem+json. Server-side failures
 * are kept on the response for the request logger, which writes them with their stack.
 */
export function problemErrorHandler(): ErrorRequestHandler {
  return (error, request, response, next) => {
    if (response.headersSent) {
      // Too late for a problem body: let Express end the connection.
      next(error);
      return;
    }

    const mem0Error = toMem0Error(error);
    response.locals.errorCode = mem0Error.code;
    if (mem0Error.status >= 500) {
      (response as { err?: unknown }).err = error;
    }
    sendProblem(response, mem0Error, requestIdOf(request));
  };
}

/** Create the handler that rejects every request no route matched with a 404 problem. */
export function unknownRouteHandler(): RequestHandler {
  return (request, _response, next) => {
    next(notFound(`No route ${request.method} ${request.path}. See /openapi.json for the API.`));
  };
}

export function requestIdOf(request: { id?: unknown }): string | undefined {
  return typeof request.id === 'string' ? request.id : undefined;
}

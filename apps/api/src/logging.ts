import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import pino, { type DestinationStream, type LevelWithSilent, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';

import type { Principal } from './principal.js';

export type { Logger } from 'pino';

/**
 * Paths that pino replaces with `[redacted]` wherever a log call passes them. The request
 * serializer below already leaves headers, query strings and bodies out; this list catches a
 * secret handed to a logger by other code.
 */
export const redactedPaths = [
  'authorization',
  'password',
  'token',
  'secret',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  '*.authorization',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*.secret',
  '*.jwtSecret',
];

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** The `name` field of every line, such as `mem0-server`. */
  name?: string;
  /** Destination of the JSON lines; standard output when absent. */
  destination?: DestinationStream;
}

/** Create a pino logger that writes JSON lines, with secrets redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A request id sent by a client is kept when it is short and plain; otherwise a UUID is made. */
const requestIdPattern = /^[A-Za-z0-9._:@-]{1,128}$/;

function requestIdFor(request: IncomingMessage, response: ServerResponse): string {
  const sent = request.headers['x-request-id'];
  const id = typeof sent === 'string' && requestIdPattern.test(sent) ? sent : randomUUID();
  response.setHeader('X-Request-Id', id);
  return id;
}

/** Pick the fields of a request worth logging: no headers, no query string, no body. */
function serializeRequest(request: { method?: string; url?: string; raw?: unknown }) {
  const raw = request.raw as { ip?: string } | undefined;
  return {
    method: request.method,
    path: request.url?.split('?')[0],
    ip: raw?.ip,
  };
}

function serializeResponse(response: { statusCode?: number }) {
  return { statusCode: response.statusCode };
}

/** Ids of the acting user and key, and the error code of a failed request. */
function requestFields(_request: IncomingMessage, response: ServerResponse): object {
  const locals = (response as { locals?: { principal?: Principal; errorCode?: string } }).locals;
  const principal = locals?.principal;
  return {
    ...(principal ? { userId: principal.userId, via: principal.via } : {}),
    ...(principal?.keyId ? { keyId: principal.keyId } : {}),
    ...(locals?.errorCode ? { errorCode: locals.errorCode } : {}),
  };
}

/**
 * Create the request logger. It writes one line per finished request with its id, method, path,
 * status, time, the acting user or key and the error code. Lines of server-side failures also
 * contain the error with its stack, and every line written through `request.log` has `reqId`.
 */
export function createHttpLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: requestIdFor,
    quietReqLogger: true,
    customLogLevel: (_request, response, error) =>
      error || response.statusCode >= 500 ? 'error' : 'info',
    customProps: requestFields,
    serializers: { req: serializeRequest, res: serializeResponse },
  });
}

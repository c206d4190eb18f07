import express, { type RequestHandler } from 'express';

import { invalidArgument, Mem0Error } from '@memzero/core';

/**
 * Parses a JSON request body of at most `limitBytes`. A body of another media type is rejected
 * with 415; a request without a body passes with `request.body` undefined.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (request, _response, next) => {
    // `is` returns null when the request has no body and false when its type differs. An
    // empty body goes on to be rejected as a missing JSON object instead.
    const empty = request.headers['content-length'] === '0';
    if (request.is('application/json') === false && !empty) {
      const sent = request.headers['content-type'] ?? 'no Content-Type';
      throw new Mem0Error(
        'unsupported_media_type',
        `The request body must be JSON, sent with "Content-Type: application/json" (this request sent ${sent}).`,
      );
    }
    next();
  };
  return [requireJson, express.json({ limit: limitBytes, strict: true })];
}

/** Return the parsed body when it is a JSON object, and reject an array, a scalar or a missing body. */
export function jsonObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidArgument(
      'The request body must be one JSON object, sent with "Content-Type: application/json".',
    );
  }
  return body as Record<string, unknown>;
}

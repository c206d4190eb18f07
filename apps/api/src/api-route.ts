import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { Request, Response } from 'express';
import type { AnyZodObject, ZodTypeAny } from 'zod';

import type { MemoryStore } from '@memzero/core';

import type { Principal, Scope } from './principal.js';

/** Input of a route handler: the authenticated caller and a store bound to them. */
export interface RequestContext {
  principal: Principal;
  store: MemoryStore;
}

/**
 * One authenticated route of the API. The app builds its router and its OpenAPI document from
 * the same list, so the document cannot miss a route.
 */
export interface ApiRoute {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** The Express path, such as `/v1/memories/:id`. */
  path: string;
  summary: string;
  description?: string;
  /** The scope the caller needs. */
  scope: Scope;
  request?: {
    /** The JSON body. A route with a body gets the content type check and the JSON parser. */
    body?: ZodTypeAny;
    query?: AnyZodObject;
    params?: AnyZodObject;
  };
  responses: Record<number, ResponseConfig>;
  handle(request: Request, response: Response, context: RequestContext): Promise<void>;
}

/** Describe a JSON response for the OpenAPI document. */
export function jsonResponse(description: string, schema: ZodTypeAny): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}

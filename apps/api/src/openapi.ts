import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
} from '@asteasolutions/zod-to-openapi';

import type { ApiRoute } from './api-route.js';
import { jsonResponse } from './api-route.js';
import { problemContentType } from './problem.js';
import { problemSchema, statusSchema } from './http-schemas.js';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const problemResponse = (description: string): ResponseConfig => ({
  description,
  content: { [problemContentType]: { schema: problemSchema } },
});

/** Error responses that every authenticated route can return, besides its own. */
const commonProblems: Record<number, ResponseConfig> = {
  400: problemResponse('Malformed request (code invalid_argument).'),
  401: problemResponse('Missing or invalid bearer token (code unauthenticated).'),
  404: problemResponse('No such memory or context (code not_found).'),
  429: problemResponse('Too many requests (code rate_limited); see Retry-After.'),
  500: problemResponse('Unexpected failure (code internal); reveals nothing internal.'),
  503: problemResponse('Database busy or unavailable; see Retry-After.'),
};

const writeProblems: Record<number, ResponseConfig> = {
  403: problemResponse('The credential has read scope only (code forbidden).'),
  409: problemResponse('The change contradicts the stored state (code conflict).'),
};

const bodyProblems: Record<number, ResponseConfig> = {
  413: problemResponse('The body is larger than the limit (code payload_too_large).'),
  415: problemResponse('The body is not JSON (code unsupported_media_type).'),
  422: problemResponse('The input breaks a documented rule (code validation_failed).'),
};

/** `/v1/memories/:id` becomes `/v1/memories/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function registerRoute(registry: OpenAPIRegistry, route: ApiRoute): void {
  const body = route.request?.body;
  registry.registerPath({
    method: route.method,
    path: openApiPath(route.path),
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    security: [{ bearerAuth: [] }],
    request: {
      ...(route.request?.params ? { params: route.request.params } : {}),
      ...(route.request?.query ? { query: route.request.query } : {}),
      ...(body
        ? { body: { required: true, content: { 'application/json': { schema: body } } } }
        : {}),
    },
    responses: {
      ...route.responses,
      ...commonProblems,
      ...(route.scope === 'write' ? writeProblems : {}),
      ...(body ? bodyProblems : {}),
    },
  });
}

function registerSystemRoutes(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'Whether the process is up; needs no authentication',
    responses: { 200: jsonResponse('The process is up.', statusSchema) },
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'Whether the server can take requests: database reachable and migrated',
    responses: {
      200: jsonResponse('Ready.', statusSchema),
      503: problemResponse('Not ready; see Retry-After.'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    responses: { 200: { description: 'The OpenAPI 3.1 document.' } },
  });
}

/**
 * Build the OpenAPI document of the app from its route list. `extend` lets code that adds
 * routes through the app's `extraRoutes` hook describe them too.
 */
export function buildOpenApiDocument(
  routes: readonly ApiRoute[],
  extend?: (registry: OpenAPIRegistry) => void,
): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An access token, API key or local server token, in the Authorization header.',
  });

  registerSystemRoutes(registry);
  for (const route of routes) {
    registerRoute(registry, route);
  }
  extend?.(registry);

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'mem0 API',
      version: '1',
      description:
        'Keep short memories and find them by full-text search. Errors are application/problem+json with a stable `code`.',
    },
  });
}

import {
  createContext,
  listContexts,
  newContextSchema,
  searchMemories,
  searchRequestSchema,
} from '@memzero/core';

import { type ApiRoute, jsonResponse } from '../api-route.js';
import {
  callerSchema,
  contextSummarySchema,
  pageSchema,
  problemSchema,
  searchHitSchema,
} from '../http-schemas.js';
import { jsonObject } from '../middleware/json-body.js';

export const searchRoutes: ApiRoute[] = [
  {
    method: 'post',
    path: '/v1/search',
    summary: 'Find memories by words, best matches first',
    description:
      'Any text is a valid query and is searched as words, never as query syntax. A blank query is rejected with 400.',
    scope: 'read',
    request: { body: searchRequestSchema },
    responses: { 200: jsonResponse('A page of hits.', pageSchema(searchHitSchema, 'SearchPage')) },
    async handle(request, response, { store }) {
      response.json(await searchMemories(store, jsonObject(request.body)));
    },
  },
  {
    method: 'get',
    path: '/v1/contexts',
    summary: 'List your contexts with their number of memories',
    scope: 'read',
    responses: {
      200: jsonResponse(
        'Every context, on one page.',
        pageSchema(contextSummarySchema, 'ContextPage'),
      ),
    },
    async handle(_request, response, { store }) {
      response.json({ items: await listContexts(store), nextCursor: null });
    },
  },
  {
    method: 'post',
    path: '/v1/contexts',
    summary: 'Create an empty context',
    description: 'A context also comes into being with its first memory; this creates it ahead.',
    scope: 'write',
    request: { body: newContextSchema },
    responses: {
      201: jsonResponse('The new context.', contextSummarySchema),
      409: jsonResponse('A context of that name exists.', problemSchema),
    },
    async handle(request, response, { store }) {
      response.status(201).json(await createContext(store, jsonObject(request.body)));
    },
  },
  {
    method: 'get',
    path: '/v1/me',
    summary: 'Who the credential of this request belongs to',
    scope: 'read',
    responses: { 200: jsonResponse('The caller.', callerSchema) },
    async handle(_request, response, { principal }) {
      response.json({ userId: principal.userId, via: principal.via, scope: principal.scope });
    },
  },
];

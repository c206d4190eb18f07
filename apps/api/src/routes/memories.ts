import {
  addMemory,
  deleteMemory,
  getMemory,
  listMemories,
  memoryHistory,
  memoryPatchSchema,
  newMemorySchema,
  updateMemory,
} from '@memzero/core';

import { type ApiRoute, jsonResponse } from '../api-route.js';
import {
  addedMemorySchema,
  memoryIdParams,
  memorySchema,
  pageSchema,
  revisionSchema,
} from '../http-schemas.js';
import { listQuerySchema, listRequestFromQuery } from '../list-query.js';
import { jsonObject } from '../middleware/json-body.js';

/** Memories written over HTTP are marked `api` unless the client names itself (`mcp`, …). */
function withApiSource(body: Record<string, unknown>): Record<string, unknown> {
  return { source: 'api', ...body };
}

export const memoryRoutes: ApiRoute[] = [
  {
    method: 'post',
    path: '/v1/memories',
    summary: 'Store a memory',
    description:
      'Returns 201 with the new memory and `created: true`. When the context already contains a memory with the same normalized content, nothing is stored and the response is 200 with that memory and `created: false`. `source` defaults to `api` on this route.',
    scope: 'write',
    request: { body: newMemorySchema },
    responses: {
      201: jsonResponse('The memory was stored.', addedMemorySchema),
      200: jsonResponse('An equal memory already existed; it is returned.', addedMemorySchema),
    },
    async handle(request, response, { store }) {
      const { memory, created } = await addMemory(store, withApiSource(jsonObject(request.body)));

      if (created) {
        response.status(201).location(`/v1/memories/${memory.id}`);
      }
      response.json({ ...memory, created });
    },
  },
  {
    method: 'get',
    path: '/v1/memories',
    summary: 'List memories, newest first',
    scope: 'read',
    request: { query: listQuerySchema },
    responses: { 200: jsonResponse('A page of memories.', pageSchema(memorySchema, 'MemoryPage')) },
    async handle(request, response, { store }) {
      response.json(await listMemories(store, listRequestFromQuery(request.query)));
    },
  },
  {
    method: 'get',
    path: '/v1/memories/:id',
    summary: 'Get one memory',
    scope: 'read',
    request: { params: memoryIdParams },
    responses: { 200: jsonResponse('The memory.', memorySchema) },
    async handle(request, response, { store }) {
      response.json(await getMemory(store, String(request.params.id)));
    },
  },
  {
    method: 'patch',
    path: '/v1/memories/:id',
    summary: 'Change a memory',
    description:
      'Fields left out keep their value; `expiresAt: null` removes the expiry. With `expectedVersion`, the change fails with 409 unless the memory is at that version.',
    scope: 'write',
    request: { params: memoryIdParams, body: memoryPatchSchema },
    responses: { 200: jsonResponse('The memory after the change.', memorySchema) },
    async handle(request, response, { store }) {
      const id = String(request.params.id);
      response.json(await updateMemory(store, id, jsonObject(request.body)));
    },
  },
  {
    method: 'delete',
    path: '/v1/memories/:id',
    summary: 'Delete a memory; its history is kept',
    scope: 'write',
    request: { params: memoryIdParams },
    responses: { 204: { description: 'The memory was deleted.' } },
    async handle(request, response, { store }) {
      await deleteMemory(store, String(request.params.id));
      response.status(204).end();
    },
  },
  {
    method: 'get',
    path: '/v1/memories/:id/history',
    summary: 'Every version of a memory, oldest first, also after it was deleted',
    scope: 'read',
    request: { params: memoryIdParams },
    responses: {
      200: jsonResponse('All revisions, on one page.', pageSchema(revisionSchema, 'RevisionPage')),
    },
    async handle(request, response, { store }) {
      const items = await memoryHistory(store, String(request.params.id));
      response.json({ items, nextCursor: null });
    },
  },
];

import { contextPermissions, errorCodes, memorySources, revisionOperations } from '@memzero/core';

import { z } from './zod.js';

// Schemas of the responses, for the OpenAPI document. Requests are described by the schemas
// of the core package that validate them.

const timestamp = z.string().openapi({ format: 'date-time', example: '2026-01-31T12:00:00.000Z' });

export const memorySchema = z
  .object({
    id: z.string().openapi({ example: '01JH6Z5M6W8X9Y0ZABCDEFGHJK' }),
    content: z.string(),
    context: z.string().openapi({ example: 'default' }),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    source: z.enum(memorySources),
    authorId: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
    expiresAt: timestamp.nullable(),
    version: z.number().int(),
  })
  .openapi('Memory');

export const addedMemorySchema = memorySchema
  .extend({
    created: z.boolean().openapi({
      description:
        'False when an equal memory already existed in the context and was returned instead (status 200).',
    }),
  })
  .openapi('AddedMemory');

export const searchHitSchema = memorySchema
  .extend({
    score: z
      .number()
      .openapi({ description: 'Relevance; higher is better, within one result list.' }),
    snippet: z.string().openapi({ description: 'An excerpt with the matched words in `**`.' }),
  })
  .openapi('SearchHit');

export const revisionSchema = z
  .object({
    memoryId: z.string(),
    version: z.number().int(),
    operation: z.enum(revisionOperations),
    content: z.string(),
    context: z.string(),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    authorId: z.string(),
    createdAt: timestamp,
  })
  .openapi('Revision');

export const contextSummarySchema = z
  .object({
    name: z.string(),
    memoryCount: z.number().int(),
    createdAt: timestamp,
    lastUpdatedAt: timestamp.nullable(),
    owner: z.object({
      type: z.enum(['self', 'user', 'team']),
      name: z
        .string()
        .nullable()
        .openapi({ description: "The team name or the owner's email; null for your own." }),
    }),
    permission: z.enum(contextPermissions).openapi({
      description:
        'manage: read, write and share; write: read and change memories; read: read only.',
    }),
  })
  .openapi('ContextSummary');

/** Build the schema of a page of results: clients pass `nextCursor` back as `cursor`. */
export function pageSchema<T extends z.ZodTypeAny>(item: T, name: string) {
  return z
    .object({
      items: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .openapi({ description: 'Pass back as cursor for the next page; null on the last page.' }),
    })
    .openapi(name);
}

export const errorCodeSchema = z.enum(
  Object.keys(errorCodes) as [keyof typeof errorCodes, ...(keyof typeof errorCodes)[]],
);

export const problemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:mem0:problem:not_found' }),
    title: z.string().openapi({ example: 'Not found' }),
    status: z.number().int().openapi({ example: 404 }),
    detail: z.string(),
    code: errorCodeSchema,
    requestId: z.string().optional(),
  })
  .passthrough()
  .openapi('Problem', {
    description:
      'An RFC 9457 problem. `code` is stable and decides the status; 5xx problems never carry internal details.',
  });

export const callerSchema = z
  .object({
    userId: z.string(),
    via: z.enum(['session', 'api_key', 'local_token']),
    scope: z.enum(['read', 'write']),
  })
  .openapi('Caller');

export const statusSchema = z.object({ status: z.string() }).openapi('Status');

export const memoryIdParams = z.object({
  id: z.string().openapi({ description: 'The memory id (a ULID).' }),
});

import {
  type ImportOutcome,
  type ImportRecord,
  Mem0Error,
  memorySources,
  parseImportLine,
  parseInput,
} from '@memzero/core';

import { type ApiRoute, jsonResponse } from '../api-route.js';
import { jsonObject } from '../middleware/json-body.js';
import { z } from '../zod.js';

/** Records accepted in one bulk import request; a larger batch is rejected with 413. */
export const maxImportRecords = 1_000;

// Validates the envelope only: each record is checked on its own, so that one bad record is
// rejected without failing the others.
const importBodySchema = z.strictObject({
  records: z.array(z.unknown(), {
    required_error: 'is required',
    invalid_type_error: 'must be an array of memory objects',
  }),
});

/** The request as the OpenAPI document shows it. */
const importRecordDocument = z
  .object({
    id: z.string().optional().openapi({ description: 'A ULID; a new one is made when absent.' }),
    content: z.string(),
    context: z.string().optional(),
    tags: z.array(z.string()).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    source: z.enum(memorySources).optional(),
    createdAt: z.string().optional().openapi({ format: 'date-time' }),
    updatedAt: z.string().optional().openapi({ format: 'date-time' }),
    expiresAt: z.string().nullable().optional().openapi({ format: 'date-time' }),
  })
  .openapi('ImportRecord');

const importRequestDocument = z
  .object({ records: z.array(importRecordDocument).max(maxImportRecords) })
  .openapi('ImportRequest');

const outcomeSchema = z
  .object({
    status: z.enum(['added', 'duplicate', 'rejected']),
    id: z.string().optional().openapi({
      description: 'The stored memory: the new one, or for a duplicate the one already there.',
    }),
    reason: z.string().optional().openapi({ description: 'Why a record was rejected.' }),
  })
  .openapi('ImportOutcome');

const importResponseSchema = z
  .object({ outcomes: z.array(outcomeSchema) })
  .openapi('ImportResponse', {
    description: 'One outcome per record, in the order of the records.',
  });

/**
 * Validate one record with the rules of a local `mem0 import` line: the same schema, limits and
 * defaults. A record that breaks them gets its reason instead of failing the whole request.
 */
function validateRecord(value: unknown, now: number): { record: ImportRecord } | { error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'Not a JSON object: each record must be one memory object.' };
  }
  try {
    // The line parser applies the clock-skew rule and the id and time defaults on top of
    // `importRecordSchema`; serializing the record again reuses it unchanged.
    return { record: parseImportLine(JSON.stringify(value), now) };
  } catch (error) {
    return { error: error instanceof Mem0Error ? error.message : String(error) };
  }
}

export const importRoutes: ApiRoute[] = [
  {
    method: 'post',
    path: '/v1/memories/import',
    summary: 'Store a batch of memories with their ids and times',
    description: `Stores up to ${maxImportRecords} records in one transaction and returns one outcome per record, in order: \`added\`, \`duplicate\` (a memory with this id, or with the same normalized content in the same context, already exists; nothing changes) or \`rejected\` with a reason (an invalid record, or an id that belongs to another account). Sending the same batch again returns \`duplicate\` for every record, so a client may retry this request safely. More than ${maxImportRecords} records are rejected with 413 (code payload_too_large).`,
    scope: 'write',
    request: { body: importRequestDocument },
    responses: { 200: jsonResponse('One outcome per record.', importResponseSchema) },
    async handle(request, response, { store }) {
      const body = jsonObject(request.body);
      if (Array.isArray(body.records) && body.records.length > maxImportRecords) {
        throw new Mem0Error(
          'payload_too_large',
          `The batch has ${body.records.length} records; send at most ${maxImportRecords} per request.`,
        );
      }
      const { records } = parseInput(importBodySchema, body);

      const now = Date.now();
      const checked = records.map((value) => validateRecord(value, now));
      const valid = checked.flatMap((entry) => ('record' in entry ? [entry.record] : []));
      const stored = valid.length > 0 ? await store.importBatch(valid) : [];

      // Merge the store's outcomes back between the rejected records, keeping the order.
      let next = 0;
      const outcomes: ImportOutcome[] = checked.map((entry) =>
        'error' in entry ? { status: 'rejected', reason: entry.error } : stored[next++]!,
      );
      response.json({ outcomes });
    },
  },
];

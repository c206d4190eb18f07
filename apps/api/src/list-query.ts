import {
  type ListRequestInput,
  Mem0Error,
  type MetadataScalar,
  validationError,
} from '@memzero/core';

import { z } from './zod.js';

const once = (description: string) =>
  z.string({ invalid_type_error: 'must be given once' }).optional().openapi({ description });

/**
 * The query string of `GET /v1/memories`. It only checks the shape of the parameters; the
 * values are validated by the list use case, the same way as for every other client.
 */
export const listQuerySchema = z
  .object({
    context: once('Only memories in this context.'),
    tag: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .openapi({
        description: 'Only memories with this tag. Repeat the parameter to require several tags.',
      }),
    limit: once('Page size, 1 to 1000 (default 20).'),
    cursor: once('The nextCursor of the previous page.'),
    createdAfter: once('Only memories created at or after this ISO 8601 date-time.'),
    createdBefore: once('Only memories created before this ISO 8601 date-time.'),
    metadata: once(
      'A JSON object of top-level metadata fields and the values they must equal, such as {"owner":"ana"}.',
    ),
  })
  .strict();

/** Turn the query string of a list request into the input of `listMemories`. */
export function listRequestFromQuery(query: unknown): ListRequestInput {
  const result = listQuerySchema.safeParse(query);
  if (!result.success) {
    // Query parameters are like command-line options: a wrong one is a malformed request.
    const problem = validationError(result.error);
    throw new Mem0Error('invalid_argument', problem.message, { details: problem.details });
  }

  const { tag, limit, metadata, ...rest } = result.data;
  return {
    ...rest,
    ...(tag === undefined ? {} : { tags: [tag].flat() }),
    // A non-numeric limit is passed on unchanged, so the use case reports it like a bad number.
    ...(limit === undefined ? {} : { limit: /^\d{1,9}$/.test(limit) ? Number(limit) : limit }),
    ...(metadata === undefined ? {} : { metadata: parseMetadataFilter(metadata) }),
  } as ListRequestInput;
}

function parseMetadataFilter(text: string): Record<string, MetadataScalar> {
  try {
    return JSON.parse(text) as Record<string, MetadataScalar>;
  } catch {
    throw new Mem0Error(
      'invalid_argument',
      'The metadata parameter must be a JSON object, such as {"owner":"ana"}.',
    );
  }
}

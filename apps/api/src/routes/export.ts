import type { Response } from 'express';

import {
  exportRequestSchema,
  Mem0Error,
  type Memory,
  parseInput,
  validationError,
} from '@memzero/core';

import type { ApiRoute } from '../api-route.js';
import { memorySchema } from '../http-schemas.js';
import { listQuerySchema, listRequestFromQuery } from '../list-query.js';

export const ndjsonContentType = 'application/x-ndjson';

/** The filters of the list route, without its paging parameters. */
const exportQuerySchema = listQuerySchema.omit({ limit: true, cursor: true });

/** Resolve when the response can take more data or has closed, whichever comes first. */
function drainedOrClosed(response: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

// NOTE: the SQLite store of `mem0 serve` keeps its export snapshot as a read transaction on the
// one connection that every request shares. A write that arrives while this stream waits for a
// slow client runs inside that transaction (better-sqlite3 nests it as a savepoint) and is
// committed only when the export ends. PostgreSQL stores use a pool connection of their own.
/**
 * Write each memory as one JSON line, waiting whenever the socket's buffer is full. Returns
 * early when the client goes away, which ends the store's snapshot transaction.
 */
async function writeLines(response: Response, memories: AsyncIterator<Memory>): Promise<void> {
  for (;;) {
    const next = await memories.next();
    if (next.done === true) {
      return;
    }
    if (response.destroyed) {
      await memories.return?.();
      return;
    }
    if (!response.write(`${JSON.stringify(next.value)}\n`)) {
      await drainedOrClosed(response);
    }
  }
}

export const exportRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: '/v1/memories/export',
    summary: 'Every memory matching the filters, oldest first, from one snapshot',
    description:
      'Streams one memory per line (JSON Lines, `application/x-ndjson`), ordered by creation time and id, read in one database snapshot: memories written while the export runs are not in it, and none is seen twice. The response has no length; a response that ends without its final chunk was cut off and must be read again.',
    scope: 'read',
    request: { query: exportQuerySchema },
    responses: {
      200: {
        description: 'One memory object per line.',
        content: { [ndjsonContentType]: { schema: memorySchema } },
      },
    },
    async handle(request, response, { store }) {
      const shape = exportQuerySchema.safeParse(request.query);
      if (!shape.success) {
        // Like the list route: a wrong query parameter, such as `limit`, is a malformed request.
        const problem = validationError(shape.error);
        throw new Mem0Error('invalid_argument', problem.message, { details: problem.details });
      }
      const filter = parseInput(exportRequestSchema, listRequestFromQuery(request.query));
      const memories = store.exportMemories(filter)[Symbol.asyncIterator]();

      // Read the first memory before the status line goes out, so that a database failure
      // at the start is still sent as a problem response.
      const first = await memories.next();
      response.status(200).type(ndjsonContentType);
      if (first.done !== true) {
        response.write(`${JSON.stringify(first.value)}\n`);
        try {
          await writeLines(response, memories);
        } catch (error) {
          // The status is sent: ending the connection without the final chunk is the only way
          // to tell the client that the export is incomplete.
          response.destroy(error instanceof Error ? error : undefined);
          return;
        }
      }
      response.end();
    },
  },
];

// Worker thread of an import: parses, validates and tokenizes batches of lines, so that the
// main thread spends its time writing to the database.
import { parentPort } from 'node:worker_threads';

import { prepareImportLines } from '@memzero/core';

interface PrepareRequest {
  id: number;
  lines: string[];
  now: number;
}

parentPort?.on('message', (request: PrepareRequest) => {
  parentPort?.postMessage({
    id: request.id,
    prepared: prepareImportLines(request.lines, request.now),
  });
});

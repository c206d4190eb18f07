import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { prepareImportLines, type PreparedLine } from '@memzero/core';

export interface PreparePool {
  prepare(lines: string[], now: number): Promise<PreparedLine[]>;
  /** Batches to prepare ahead of the one being stored, enough to keep every worker busy. */
  readonly ahead: number;
  close(): Promise<void>;
}

/**
 * Prepare import batches on worker threads, one per core. The first batch is prepared on the
 * main thread: a small import finishes before workers would have started, so workers start
 * only when a second batch arrives.
 */
export function createPreparePool(size: number = availableParallelism()): PreparePool {
  const workers: Worker[] = [];
  const pending = new Map<
    number,
    { resolve: (prepared: PreparedLine[]) => void; reject: (error: Error) => void }
  >();
  let nextId = 0;
  let calls = 0;
  let failure: Error | undefined;

  const start = () => {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(join(__dirname, 'import-worker.js'));
      worker.on('message', (message: { id: number; prepared: PreparedLine[] }) => {
        pending.get(message.id)?.resolve(message.prepared);
        pending.delete(message.id);
      });
      worker.on('error', (error) => {
        failure = error;
        for (const waiting of pending.values()) {
          waiting.reject(error);
        }
        pending.clear();
      });
      workers.push(worker);
    }
  };

  return {
    ahead: size,
    async prepare(lines, now) {
      calls++;
      if (calls === 1 || size === 0) {
        return prepareImportLines(lines, now);
      }
      if (failure) {
        throw failure;
      }
      if (workers.length === 0) {
        start();
      }

      const id = nextId++;
      const worker = workers[id % workers.length]!;
      return new Promise<PreparedLine[]>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, lines, now });
      });
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

import {
  exportRequestSchema,
  type ImportRecord,
  Mem0Error,
  type Memory,
  type MemoryFilter,
  type MemoryStore,
  parseInput,
} from '@memzero/core';

import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { openLocalStore } from '../store.js';

export interface PushOptions {
  context?: string;
  json?: boolean;
  batchSize?: number;
}

export interface PushSummary {
  /** Memories the server did not have and stored. */
  copied: number;
  /** Memories the server already had, by id or by equal content in the same context. */
  alreadyPresent: number;
  rejected: number;
  /** The first rejected memories with their reasons, at most `maxRejectsShown`. */
  rejects: { id: string; reason: string }[];
}

/** Memories sent per request; the server accepts up to 1,000 per request. */
export const defaultPushBatchSize = 500;

const maxRejectsShown = 10;

/** The team server that `push` copies to, with the store that talks to it. */
export interface PushTarget {
  /** The server's URL without credentials, for messages. */
  server: string;
  store: MemoryStore;
  /** Rejects when the credential cannot write, before anything is sent. */
  checkWriteAccess(): Promise<void>;
}

/**
 * Select the team server to push to: the one in `MEM0_SERVER` and `MEM0_API_KEY`, or else the
 * one of the selected profile (see `resolveTarget`).
 */
export async function openPushTarget(env: NodeJS.ProcessEnv): Promise<PushTarget> {
  const { RemoteStore } = await import('@memzero/client');
  const { connectToServer } = await import('../remote.js');
  const { client, server } = await connectToServer(env);
  return {
    server,
    store: new RemoteStore(client),
    async checkWriteAccess() {
      const caller = await client.me();
      if (caller.scope !== 'write') {
        throw new Mem0Error(
          'forbidden',
          `The credential for ${server} can only read. Use an API key with write scope, or log in with "mem0 login".`,
        );
      }
    },
  };
}

/** Build the import record of a local memory: everything the server needs to store it as it is. */
function toRecord(memory: Memory): ImportRecord {
  return {
    id: memory.id,
    content: memory.content,
    context: memory.context,
    tags: memory.tags,
    metadata: memory.metadata,
    source: memory.source,
    createdAt: memory.createdAt,
    updatedAt: memory.updatedAt,
    expiresAt: memory.expiresAt,
  };
}

/**
 * Copy every local memory, or those of `--context`, to a team server with their ids, contexts,
 * tags, metadata and times. The server stores a memory it already has as a duplicate, so a
 * second run copies nothing and a run after an interruption copies only what is missing.
 * Exits with 1 when the server rejected any memory.
 */
export async function push(options: PushOptions, io: CommandIO): Promise<number> {
  const filter: MemoryFilter = parseInput(exportRequestSchema, {
    ...(options.context === undefined ? {} : { context: options.context }),
  });
  const batchSize = options.batchSize ?? defaultPushBatchSize;

  const target = await openPushTarget(io.env);
  await target.checkWriteAccess();

  const summary: PushSummary = { copied: 0, alreadyPresent: 0, rejected: 0, rejects: [] };
  // The source is always the local database, whichever profile commands use by default.
  const local = await openLocalStore(io.env);
  try {
    await copyMemories(local, target.store, filter, batchSize, summary, io, options.json === true);
  } finally {
    await local.close();
    await target.store.close();
  }

  if (options.json) {
    writeJson(io.stdout, { server: target.server, ...summary });
  } else {
    printSummary(target.server, summary, io);
  }
  return summary.rejected > 0 ? 1 : 0;
}

async function copyMemories(
  local: MemoryStore,
  remote: MemoryStore,
  filter: MemoryFilter,
  batchSize: number,
  summary: PushSummary,
  io: CommandIO,
  json: boolean,
): Promise<void> {
  const total = await countMemories(local, filter.context);
  const progress =
    !json && io.stderr.isTTY === true ? await createProgressBar(io, total) : undefined;
  try {
    let batch: ImportRecord[] = [];
    for await (const memory of local.exportMemories(filter)) {
      batch.push(toRecord(memory));
      if (batch.length >= batchSize) {
        await sendBatch(remote, batch, summary);
        progress?.update(summary);
        batch = [];
      }
    }
    if (batch.length > 0) {
      await sendBatch(remote, batch, summary);
      progress?.update(summary);
    }
  } finally {
    progress?.stop();
  }
}

async function sendBatch(
  store: MemoryStore,
  batch: ImportRecord[],
  summary: PushSummary,
): Promise<void> {
  const outcomes = await store.importBatch(batch);
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'added') {
      summary.copied++;
    } else if (outcome.status === 'duplicate') {
      summary.alreadyPresent++;
    } else {
      summary.rejected++;
      if (summary.rejects.length < maxRejectsShown) {
        summary.rejects.push({ id: batch[index]!.id, reason: outcome.reason });
      }
    }
  });
}

/** Count the local memories to push, for the progress bar. */
async function countMemories(store: MemoryStore, context: string | undefined): Promise<number> {
  const contexts = await store.contexts();
  return contexts
    .filter((summary) => context === undefined || summary.name === context)
    .reduce((sum, summary) => sum + summary.memoryCount, 0);
}

interface ProgressBar {
  update(summary: PushSummary): void;
  stop(): void;
}

async function createProgressBar(io: CommandIO, total: number): Promise<ProgressBar> {
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar(
    {
      stream: io.stderr as NodeJS.WriteStream,
      format:
        'Pushing [{bar}] {value}/{total} | {copied} copied, {alreadyPresent} already present, {rejected} rejected',
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, { copied: 0, alreadyPresent: 0, rejected: 0 });
  return {
    update: (summary) =>
      bar.update(summary.copied + summary.alreadyPresent + summary.rejected, {
        copied: summary.copied,
        alreadyPresent: summary.alreadyPresent,
        rejected: summary.rejected,
      }),
    stop: () => bar.stop(),
  };
}

function printSummary(server: string, summary: PushSummary, io: CommandIO): void {
  const colors = colorsFor(io.stdout, io.env);
  const rejected = summary.rejected > 0 ? colors.red(`${summary.rejected} rejected`) : '0 rejected';
  writeLine(
    io.stdout,
    `Pushed to ${server}: ${colors.green(`${summary.copied} copied`)}, ${summary.alreadyPresent} already present, ${rejected}.`,
  );

  for (const reject of summary.rejects) {
    writeLine(io.stderr, `${reject.id}: ${reject.reason}`);
  }
  if (summary.rejected > summary.rejects.length) {
    writeLine(
      io.stderr,
      `… and ${summary.rejected - summary.rejects.length} more rejected memories.`,
    );
  }
}

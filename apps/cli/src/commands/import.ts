import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

import { type ImportProgress, type ImportSummary, importMemories, Mem0Error } from '@memzero/core';

import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { withStore } from '../store.js';

export interface ImportOptions {
  json?: boolean;
  batchSize?: number;
}

/**
 * Import JSON Lines from a file, or from stdin when the file is `-`. Exits with 1 when any
 * line was rejected, so scripts notice, after storing every valid line.
 */
export async function importFile(
  file: string,
  options: ImportOptions,
  io: CommandIO,
): Promise<number> {
  const { stream, size } = openInput(file, io);

  // Progress is counted from the lines themselves: a 'data' listener on the stream would start
  // the flow before the line reader is attached and lose the first chunks.
  let bytesRead = 0;
  const lines = readLines(stream, (bytes) => {
    bytesRead += bytes;
  });

  const showProgress = !options.json && io.stderr.isTTY === true;
  const progress = showProgress ? await createProgressBar(io, size) : undefined;

  const { createPreparePool } = await import('../import-pool.js');
  const pool = createPreparePool();

  let summary: ImportSummary;
  try {
    summary = await withStore(io.env, (store) =>
      importMemories(store, lines, {
        batchSize: options.batchSize,
        prepare: pool.prepare,
        prepareAhead: pool.ahead,
        onProgress: (counts) => progress?.update(bytesRead, counts),
      }),
    );
  } finally {
    progress?.stop();
    await pool.close();
  }

  if (options.json) {
    writeJson(io.stdout, summary);
  } else {
    printSummary(summary, io);
  }
  return summary.rejected > 0 ? 1 : 0;
}

function openInput(file: string, io: CommandIO): { stream: Readable; size: number | undefined } {
  if (file === '-') {
    return { stream: io.stdin, size: undefined };
  }

  let size: number;
  try {
    const stats = statSync(file);
    if (!stats.isFile() && !stats.isFIFO() && !stats.isCharacterDevice()) {
      throw new Mem0Error(
        'invalid_argument',
        `${file} is not a file. Give a JSON Lines file, or - for stdin.`,
      );
    }
    size = stats.isFile() ? stats.size : 0;
  } catch (error) {
    if (error instanceof Mem0Error) {
      throw error;
    }
    throw new Mem0Error(
      'not_found',
      `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}.`,
    );
  }
  return { stream: createReadStream(file), size: size > 0 ? size : undefined };
}

async function* readLines(
  stream: Readable,
  onBytes: (bytes: number) => void,
): AsyncIterable<string> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let first = true;
  for await (const line of lines) {
    onBytes(Buffer.byteLength(line) + 1);
    // A byte order mark at the start of a file is not part of the first record.
    yield first ? line.replace(/^\uFEFF/, '') : line;
    first = false;
  }
}

interface ProgressBar {
  update(bytes: number, counts: ImportProgress): void;
  stop(): void;
}

async function createProgressBar(io: CommandIO, size: number | undefined): Promise<ProgressBar> {
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar(
    {
      stream: io.stderr as NodeJS.WriteStream,
      format: size
        ? 'Importing [{bar}] {percentage}% | {lines} lines | {added} added, {duplicate} duplicate, {rejected} rejected'
        : 'Importing {lines} lines | {added} added, {duplicate} duplicate, {rejected} rejected',
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(size ?? 0, 0, { lines: 0, added: 0, duplicate: 0, rejected: 0 });
  return {
    update: (bytes, counts) => bar.update(size ? bytes : 0, { ...counts }),
    stop: () => bar.stop(),
  };
}

function printSummary(summary: ImportSummary, io: CommandIO): void {
  const colors = colorsFor(io.stdout, io.env);
  writeLine(
    io.stdout,
    `Read ${summary.lines} ${summary.lines === 1 ? 'line' : 'lines'}: ${colors.green(`${summary.added} added`)}, ${summary.duplicate} duplicate, ${summary.rejected > 0 ? colors.red(`${summary.rejected} rejected`) : '0 rejected'}.`,
  );

  for (const reject of summary.rejects) {
    writeLine(io.stderr, `line ${reject.line}: ${reject.reason}`);
  }
  if (summary.rejected > summary.rejects.length) {
    writeLine(io.stderr, `… and ${summary.rejected - summary.rejects.length} more rejected lines.`);
  }
}

import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';

import { exportMemories, invalidArgument } from '@memzero/core';

import { type CommandIO, writeLine } from '../io.js';
import { filterFromOptions, type FilterOptions } from '../options.js';
import { withStore } from '../store.js';

export interface ExportOptions extends FilterOptions {
  output?: string;
}

/**
 * Write memories as JSON Lines to stdout or to `--output FILE`. A file is written under a
 * temporary name and renamed when complete, so it never holds half an export.
 */
export async function exportCommand(options: ExportOptions, io: CommandIO): Promise<number> {
  const filter = filterFromOptions(options);

  if (options.output === undefined) {
    const count = await withStore(io.env, (store) =>
      writeLines(exportMemories(store, filter), io.stdout),
    );
    if (io.stdout.isTTY !== true) {
      return 0;
    }
    writeLine(io.stderr, `Exported ${count} ${count === 1 ? 'memory' : 'memories'}.`);
    return 0;
  }

  const target = checkOutputPath(options.output);
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  const file = createWriteStream(temporary, { mode: 0o600 });
  try {
    await once(file, 'open').catch((error: NodeJS.ErrnoException) => {
      // Name the path the user gave, not the temporary file beside it.
      throw Object.assign(error, { path: target });
    });
    const count = await withStore(io.env, (store) =>
      writeLines(exportMemories(store, filter), file),
    );
    file.end();
    await once(file, 'finish');
    renameSync(temporary, target);
    writeLine(io.stderr, `Exported ${count} ${count === 1 ? 'memory' : 'memories'} to ${target}.`);
    return 0;
  } catch (error) {
    file.destroy();
    rmSync(temporary, { force: true });
    throw error;
  }
}

async function writeLines(lines: AsyncIterable<string>, output: Writable): Promise<number> {
  let count = 0;
  for await (const line of lines) {
    count++;
    if (!output.write(`${line}\n`)) {
      await once(output, 'drain');
    }
  }
  return count;
}

/** Reject an output path that cannot name a file: empty, a directory, or ending in a slash. */
function checkOutputPath(output: string): string {
  if (output.trim() === '') {
    throw invalidArgument('--output needs a file path, such as --output memories.jsonl.');
  }
  let isDirectory = /[\\/]$/.test(output);
  try {
    isDirectory ||= statSync(output).isDirectory();
  } catch {
    // A path that does not exist yet is what --output usually names.
  }
  if (isDirectory) {
    throw invalidArgument(
      `--output ${output} is a directory. Give a file path, such as ${join(output, 'memories.jsonl')}.`,
    );
  }
  return output;
}

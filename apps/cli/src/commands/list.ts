import { listMemories } from '@memzero/core';

import { formatMemoryLine } from '../format.js';
import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { filterFromOptions, type FilterOptions } from '../options.js';
import { withStore } from '../store.js';

export interface ListOptions extends FilterOptions {
  limit?: number;
  json?: boolean;
}

/** The newest memories first. */
export async function list(options: ListOptions, io: CommandIO): Promise<number> {
  const request = { ...filterFromOptions(options), limit: options.limit };
  const page = await withStore(io.env, (store) => listMemories(store, request));

  if (options.json) {
    writeJson(io.stdout, page.items);
    return 0;
  }

  const colors = colorsFor(io.stdout, io.env);
  if (page.items.length === 0) {
    const filtered = Object.values(filterFromOptions(options)).some((value) => value !== undefined);
    writeLine(
      io.stdout,
      colors.dim(
        filtered
          ? 'No memories match these filters.'
          : 'No memories yet. Add one with: mem0 add "text"',
      ),
    );
    return 0;
  }
  const width = Math.max(
    40,
    (io.stdout.isTTY ? ((io.stdout as NodeJS.WriteStream).columns ?? 100) : 100) - 5,
  );
  for (const memory of page.items) {
    writeLine(io.stdout, formatMemoryLine(memory, colors, width));
  }
  if (page.nextCursor) {
    writeLine(
      io.stdout,
      colors.dim(`Showing the newest ${page.items.length}; raise --limit for more.`),
    );
  }
  return 0;
}

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
    writeLine(io.stdout, colors.dim('No memories yet. Add one with: mem0 add "text"'));
    return 0;
  }
  for (const memory of page.items) {
    writeLine(io.stdout, formatMemoryLine(memory, colors));
  }
  if (page.nextCursor) {
    writeLine(
      io.stdout,
      colors.dim(`Showing the newest ${page.items.length}; raise --limit for more.`),
    );
  }
  return 0;
}

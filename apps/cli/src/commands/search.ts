import { searchMemories } from '@memzero/core';

import { formatHit } from '../format.js';
import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { filterFromOptions, type FilterOptions } from '../options.js';
import { withStore } from '../store.js';

export interface SearchOptions extends FilterOptions {
  limit?: number;
  json?: boolean;
}

export async function search(
  words: string[],
  options: SearchOptions,
  io: CommandIO,
): Promise<number> {
  const request = { query: words.join(' '), ...filterFromOptions(options), limit: options.limit };
  const page = await withStore(io.env, (store) => searchMemories(store, request));

  if (options.json) {
    writeJson(io.stdout, page.items);
    return 0;
  }

  const colors = colorsFor(io.stdout, io.env);
  if (page.items.length === 0) {
    writeLine(io.stdout, colors.dim('No memories match.'));
    return 0;
  }
  page.items.forEach((hit, index) => writeLine(io.stdout, formatHit(hit, index + 1, colors)));
  if (page.nextCursor) {
    writeLine(io.stdout, colors.dim(`More results: raise --limit (now ${page.items.length}).`));
  }
  return 0;
}

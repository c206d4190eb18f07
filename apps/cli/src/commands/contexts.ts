import { listContexts } from '@memzero/core';

import { formatContexts } from '../format.js';
import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { withStore } from '../store.js';

export async function contexts(options: { json?: boolean }, io: CommandIO): Promise<number> {
  const summaries = await withStore(io.env, (store) => listContexts(store));

  if (options.json) {
    writeJson(io.stdout, summaries);
  } else {
    writeLine(io.stdout, formatContexts(summaries, colorsFor(io.stdout, io.env)));
  }
  return 0;
}

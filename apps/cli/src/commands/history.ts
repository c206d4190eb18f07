import { memoryHistory } from '@memzero/core';

import { formatRevision } from '../format.js';
import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { withStore } from '../store.js';

export async function history(
  id: string,
  options: { json?: boolean },
  io: CommandIO,
): Promise<number> {
  const revisions = await withStore(io.env, (store) => memoryHistory(store, id));

  if (options.json) {
    writeJson(io.stdout, revisions);
    return 0;
  }
  const colors = colorsFor(io.stdout, io.env);
  for (const revision of revisions) {
    writeLine(io.stdout, formatRevision(revision, colors));
  }
  return 0;
}

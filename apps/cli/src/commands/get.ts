import { getMemory } from '@memzero/core';

import { formatMemory } from '../format.js';
import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { withStore } from '../store.js';

export async function get(id: string, options: { json?: boolean }, io: CommandIO): Promise<number> {
  const memory = await withStore(io.env, (store) => getMemory(store, id));

  if (options.json) {
    writeJson(io.stdout, memory);
  } else {
    writeLine(io.stdout, formatMemory(memory, colorsFor(io.stdout, io.env)));
  }
  return 0;
}

import { deleteMemory, getMemory, preview } from '@memzero/core';

import { printable } from '../format.js';
import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { withStore } from '../store.js';

export interface DeleteOptions {
  yes?: boolean;
  json?: boolean;
}

/**
 * Delete a memory. On a terminal it shows the memory and asks first, unless `--yes`; without a
 * terminal (scripts, pipes) it deletes without asking. The history stays readable.
 */
export async function remove(id: string, options: DeleteOptions, io: CommandIO): Promise<number> {
  return withStore(io.env, async (store) => {
    const colors = colorsFor(io.stdout, io.env);
    // Ask whenever a person can answer, even when stdout goes to a pipe or file; the question
    // then goes to stderr so that it stays out of the output.
    const interactive = !options.yes && io.stdin.isTTY === true;
    const promptOutput = io.stdout.isTTY === true ? io.stdout : io.stderr;

    if (interactive) {
      const memory = await getMemory(store, id);
      const { default: confirm } = await import('@inquirer/confirm');
      let sure: boolean;
      try {
        sure = await confirm(
          {
            message: `Delete ${memory.id} from ${memory.context}: "${printable(preview(memory.content, 60).text)}"?`,
            default: false,
          },
          { input: io.stdin, output: promptOutput },
        );
      } catch (error) {
        // Ctrl-C or Ctrl-D at the prompt cancels, as in other shells: exit 130 like SIGINT.
        if (error instanceof Error && error.name === 'ExitPromptError') {
          writeLine(io.stderr, 'Cancelled. Nothing was deleted.');
          return 130;
        }
        throw error;
      }
      if (!sure) {
        writeLine(io.stdout, 'Nothing was deleted.');
        return 0;
      }
    }

    const deleted = await deleteMemory(store, id);
    if (options.json) {
      writeJson(io.stdout, deleted);
    } else {
      writeLine(
        io.stdout,
        `Deleted ${colors.yellow(deleted.id)}. Its history stays available: mem0 history ${deleted.id}`,
      );
    }
    return 0;
  });
}

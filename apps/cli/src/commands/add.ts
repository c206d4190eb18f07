import { addMemory, invalidArgument } from '@memzero/core';

import { formatMemory } from '../format.js';
import { colorsFor, type CommandIO, readAll, writeJson, writeLine } from '../io.js';
import { parseExpiry, parseMetadataPairs } from '../options.js';
import { withStore } from '../store.js';

export interface AddOptions {
  context?: string;
  tag?: string[];
  meta?: string[];
  expires?: string;
  json?: boolean;
}

/** Store a memory from the arguments, or from stdin when no text is given. */
export async function add(words: string[], options: AddOptions, io: CommandIO): Promise<number> {
  const content = await contentFromArgumentsOrStdin(words, io, 'add');
  const input = {
    content,
    context: options.context,
    tags: options.tag,
    metadata: options.meta ? parseMetadataPairs(options.meta) : undefined,
    expiresAt: options.expires !== undefined ? parseExpiry(options.expires) : undefined,
    source: 'cli' as const,
  };

  const result = await withStore(io.env, (store) => addMemory(store, input));

  if (options.json) {
    writeJson(io.stdout, { ...result.memory, created: result.created });
    return 0;
  }

  const colors = colorsFor(io.stdout, io.env);
  if (result.created) {
    writeLine(
      io.stdout,
      `Added ${colors.yellow(result.memory.id)} to ${colors.green(result.memory.context)}.`,
    );
  } else {
    writeLine(
      io.stdout,
      `Already stored as ${colors.yellow(result.memory.id)} in ${colors.green(result.memory.context)}; nothing was added.`,
    );
    writeLine(io.stdout);
    writeLine(io.stdout, formatMemory(result.memory, colors));
    if (options.tag || options.meta || options.expires) {
      writeLine(io.stdout);
      writeLine(
        io.stdout,
        colors.dim(
          `The given tags, metadata or expiry were not applied. To change them: mem0 update ${result.memory.id} --tag …`,
        ),
      );
    }
  }
  return 0;
}

/** The text of a command: its words joined by spaces, or all of stdin when there are none. */
export async function contentFromArgumentsOrStdin(
  words: string[],
  io: CommandIO,
  command: string,
): Promise<string> {
  if (words.length > 0) {
    return words.join(' ');
  }
  if (io.stdin.isTTY) {
    throw invalidArgument(
      `No text given. Pass it as arguments (mem0 ${command} "text") or pipe it on stdin.`,
    );
  }
  return readAll(io.stdin);
}

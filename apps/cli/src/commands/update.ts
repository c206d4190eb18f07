import { getMemory, updateMemory } from '@memzero/core';

import { formatMemory } from '../format.js';
import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { parseExpiry, parseMetadataPairs } from '../options.js';
import { withStore } from '../store.js';
import { contentFromArgumentsOrStdin } from './add.js';

export interface UpdateOptions {
  context?: string;
  tag?: string[];
  meta?: string[];
  expires?: string;
  clearTags?: boolean;
  clearMeta?: boolean;
  json?: boolean;
}

/**
 * Change a memory: new content from the arguments (or stdin when nothing else changes), a new
 * context, tags that replace the old ones, metadata that replaces the old object, an expiry.
 */
export async function update(
  id: string,
  words: string[],
  options: UpdateOptions & { noExpiry?: boolean },
  io: CommandIO,
): Promise<number> {
  const changesOtherThanContent =
    options.context !== undefined ||
    options.tag !== undefined ||
    options.meta !== undefined ||
    options.clearTags === true ||
    options.clearMeta === true ||
    options.expires !== undefined ||
    options.noExpiry === true;

  const content =
    words.length > 0 || !changesOtherThanContent
      ? await contentFromArgumentsOrStdin(words, io, `update ${id}`)
      : undefined;

  const patch = {
    content,
    context: options.context,
    tags: options.clearTags ? [] : options.tag,
    metadata: options.clearMeta ? {} : options.meta ? parseMetadataPairs(options.meta) : undefined,
    expiresAt: options.noExpiry ? null : options.expires ? parseExpiry(options.expires) : undefined,
  };

  // The version moves only when something changed, so comparing it separates an edit from a no-op.
  const { memory, changed } = await withStore(io.env, async (store) => {
    const before = await getMemory(store, id);
    const after = await updateMemory(store, id, patch);
    return { memory: after, changed: after.version !== before.version };
  });

  if (options.json) {
    writeJson(io.stdout, memory);
    return 0;
  }
  const colors = colorsFor(io.stdout, io.env);
  writeLine(
    io.stdout,
    changed
      ? `Updated ${colors.yellow(memory.id)} to version ${memory.version}.`
      : `No change: ${colors.yellow(memory.id)} already has these values (version ${memory.version}).`,
  );
  writeLine(io.stdout);
  writeLine(io.stdout, formatMemory(memory, colors));
  return 0;
}

import { preview, type SearchHit } from '@memzero/core';

import { printable } from '../format.js';
import { type CommandIO, writeLine } from '../io.js';

/** Runs one command line, given as words, through the command program. */
export type RunWords = (words: string[]) => Promise<number>;

type Action = 'show' | 'edit' | 'delete' | 'back';

/**
 * After a search, offer to pick one of the hits and show, edit or delete it. Each action runs
 * the regular command (`get`, `update`, `delete`), so the delete question comes from the delete
 * command. Ctrl-C at a question goes back to the shell prompt.
 */
export async function offerPick(hits: SearchHit[], io: CommandIO, run: RunWords): Promise<void> {
  if (hits.length === 0) {
    return;
  }

  const hit = await pickHit(hits, io);
  if (!hit) {
    return;
  }
  const action = await pickAction(hit, io);

  if (action === 'show') {
    await run(['get', hit.id]);
  } else if (action === 'edit') {
    await editHit(hit, io, run);
  } else if (action === 'delete') {
    await run(['delete', hit.id]);
  }
}

async function pickHit(hits: SearchHit[], io: CommandIO): Promise<SearchHit | undefined> {
  const { default: select } = await import('@inquirer/select');
  const choices = [
    { name: 'nothing, back to the prompt', value: -1 },
    ...hits.map((hit, index) => ({
      name: `${index + 1}. ${hit.id}  ${printable(preview(hit.content, 60).text)}`,
      value: index,
    })),
  ];

  const index = await cancellable(
    select({ message: 'Pick a result', choices, pageSize: 12 }, promptStreams(io)),
  );
  return index === undefined || index < 0 ? undefined : hits[index];
}

async function pickAction(hit: SearchHit, io: CommandIO): Promise<Action> {
  const { default: select } = await import('@inquirer/select');
  const choices: { name: string; value: Action }[] = [
    { name: 'show it in full', value: 'show' },
    { name: 'edit its text', value: 'edit' },
    { name: 'delete it', value: 'delete' },
    { name: 'back to the prompt', value: 'back' },
  ];

  const action = await cancellable(
    select({ message: `What to do with ${hit.id}?`, choices }, promptStreams(io)),
  );
  return action ?? 'back';
}

/** Open the text in the user's editor ($VISUAL or $EDITOR) and save it with `update`. */
async function editHit(hit: SearchHit, io: CommandIO, run: RunWords): Promise<void> {
  const { default: editor } = await import('@inquirer/editor');
  const edited = await cancellable(
    editor(
      {
        message: `Edit ${hit.id} (save and close the editor to update it)`,
        default: hit.content,
        waitForUserInput: false,
      },
      promptStreams(io),
    ),
  );
  if (edited === undefined) {
    return;
  }

  // Editors add a final newline on save; it is not part of the memory.
  const text = edited.replace(/\r?\n$/, '');
  if (text === hit.content || text.trim() === '') {
    writeLine(io.stdout, 'The text did not change (or is empty); nothing was updated.');
    return;
  }
  // `--` keeps a text that starts with "-" from being read as an option.
  await run(['update', hit.id, '--', text]);
}

function promptStreams(io: CommandIO) {
  return { input: io.stdin, output: io.stdout };
}

/** Await a prompt and return its answer, or undefined when the user pressed Ctrl-C or Ctrl-D. */
async function cancellable<T>(prompt: Promise<T>): Promise<T | undefined> {
  try {
    return await prompt;
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') {
      return undefined;
    }
    throw error;
  }
}

import { invalidArgument } from '@memzero/core';
import type { Command } from 'commander';

import { colorsFor, type CommandIO, writeLine } from '../io.js';
import { reportError } from '../report-error.js';
import { catalogFromProgram, completeLine, type CompletionCatalog } from './completion.js';
import { printShellHelp } from './help.js';
import { historyPath, ShellHistory } from './history.js';
import { splitLine } from './line.js';
import { offerPick, type RunWords } from './pick.js';
import { promptText } from './prompt.js';
import { LineReader } from './read-line.js';
import { SharedSessionStore } from './session-store.js';
import { restoreTerminal, restoreTerminalOnExit, withInterruptNotice } from './terminal.js';

// Commands of the program that make no sense inside the shell.
const hiddenCommands = ['shell'];

// Commands that may change the active profile, after which the store is opened again.
const profileCommands = new Set(['login', 'register', 'logout', 'profiles']);

interface Session {
  io: CommandIO;
  program: Command;
  store: SharedSessionStore;
  run: RunWords;
}

/**
 * Run the interactive shell until `exit`, `quit` or Ctrl-D, and return 0. Each line runs through
 * `run`, the same command program as one-shot mode, on one store opened for the whole session.
 */
export async function runShell(program: Command, io: CommandIO, run: RunWords): Promise<number> {
  if (io.stdin.isTTY !== true || io.stdout.isTTY !== true) {
    throw invalidArgument(
      'mem0 shell needs a terminal on stdin and stdout. In scripts, run single commands such as: mem0 search QUERY',
    );
  }

  const colors = colorsFor(io.stdout, io.env);
  const warn = (message: string) => writeLine(io.stderr, `${colors.yellow('warning:')} ${message}`);
  const history = ShellHistory.load(historyPath(io.env), warn);
  const session: Session = { io, program, store: new SharedSessionStore(io.env), run };
  const catalog = catalogFromProgram(program, hiddenCommands);
  const removeExitHook = restoreTerminalOnExit(io);

  try {
    writeLine(
      io.stdout,
      colors.dim('mem0 shell. Type help for the commands; exit or Ctrl-D leaves.'),
    );
    await openStore(session);
    await loop(session, history, catalog);
  } finally {
    history.trim();
    await session.store.close();
    restoreTerminal(io);
    removeExitHook();
  }
  return 0;
}

/**
 * Open the session's store. When that fails (a team server that needs a new login), the error
 * is printed and the shell goes on: each command then opens the store itself and reports the
 * same error, and `login` can fix it.
 */
async function openStore(session: Session): Promise<void> {
  try {
    await session.store.open();
  } catch (error) {
    reportError(error, session.io);
  }
}

async function loop(
  session: Session,
  history: ShellHistory,
  catalog: CompletionCatalog,
): Promise<void> {
  const { io, store } = session;
  const colors = colorsFor(io.stdout, io.env);
  const contextNames = async () => (await store.current?.contextNames()) ?? [];
  const reader = new LineReader(io);

  for (;;) {
    const read = await reader.read({
      prompt: promptText(io.env, colors),
      history: history.entries,
      completer: (line: string, callback) => {
        completeLine(line, catalog, contextNames).then(
          (completion) => callback(null, completion),
          // Completion that fails (a remote store that is down) offers nothing.
          () => callback(null, [[], line]),
        );
      },
    });

    if (read.kind === 'end') {
      return;
    }
    if (read.kind === 'cancel') {
      continue;
    }

    history.record(read.line);
    if ((await runLine(session, read.line)) === 'exit') {
      return;
    }
  }
}

/** Run one line of input and return whether the shell goes on. */
async function runLine(session: Session, line: string): Promise<'exit' | 'continue'> {
  const { io, store } = session;

  let words: string[];
  try {
    words = splitLine(line);
  } catch (error) {
    reportError(error, io);
    return 'continue';
  }
  // Typing the program name out of habit is allowed: `mem0 list` runs `list`.
  if (words[0] === 'mem0') {
    words = words.slice(1);
  }
  if (words.length === 0) {
    return 'continue';
  }

  const [name, ...rest] = words;
  if (name === 'exit' || name === 'quit') {
    return 'exit';
  }
  if (name === 'help') {
    if (rest.length > 0) {
      await session.run([...rest, '--help']);
    } else {
      printShellHelp(session.program, io, hiddenCommands);
    }
    return 'continue';
  }
  const restriction = shellRestriction(words);
  if (restriction) {
    reportError(invalidArgument(restriction), io);
    return 'continue';
  }

  store.current?.forgetSearch();
  await withInterruptNotice(io, () => session.run(words));

  if (profileCommands.has(name!)) {
    await openStore(session);
  }
  const hits = store.current?.lastSearch?.items;
  if (name === 'search' && hits && !optionGiven(words, '--json')) {
    try {
      await offerPick(hits, io, session.run);
    } catch (error) {
      reportError(error, io);
    }
  }
  return 'continue';
}

/** Return the reason a line cannot run inside the shell, or undefined when it can. */
function shellRestriction(words: string[]): string | undefined {
  if (words[0] === 'shell') {
    return 'You are already in the mem0 shell.';
  }
  if (words[0] === 'import' && words.slice(1).includes('-')) {
    // Reading stdin to its end would also end the shell's own input.
    return 'In the shell, import reads a file, not stdin. Give the path of a JSON Lines file, or run "mem0 import -" outside the shell.';
  }
  return undefined;
}

/** Return whether `flag` appears among the options, which end at a `--` word. */
function optionGiven(words: string[], flag: string): boolean {
  const end = words.indexOf('--');
  return (end === -1 ? words : words.slice(0, end)).includes(flag);
}

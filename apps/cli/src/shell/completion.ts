import type { Command } from 'commander';

import { scanLine } from './line.js';

/** The words the shell itself handles, without going through the command program. */
export const builtinCommands = ['exit', 'help', 'quit'] as const;

/**
 * The completable words: each command name and alias with the option flags it accepts, also
 * under "COMMAND SUBCOMMAND" keys, and the subcommand names of commands that have them.
 */
export interface CompletionCatalog {
  commands: Map<string, string[]>;
  subcommands: Map<string, string[]>;
}

/** Build the catalog from the commander program, so completion follows the real commands. */
export function catalogFromProgram(program: Command, hidden: string[] = []): CompletionCatalog {
  const catalog: CompletionCatalog = { commands: new Map(), subcommands: new Map() };

  for (const command of program.commands) {
    if (hidden.includes(command.name())) {
      continue;
    }
    const names = [command.name(), ...command.aliases()];
    for (const name of names) {
      catalog.commands.set(name, flagsOf(command));
    }
    if (command.commands.length === 0) {
      continue;
    }
    for (const name of names) {
      catalog.subcommands.set(
        name,
        command.commands.map((subcommand) => subcommand.name()),
      );
      for (const subcommand of command.commands) {
        catalog.commands.set(`${name} ${subcommand.name()}`, flagsOf(subcommand));
      }
    }
  }
  for (const name of builtinCommands) {
    catalog.commands.set(name, []);
  }
  return catalog;
}

function flagsOf(command: Command): string[] {
  const flags = command.options.flatMap((option) =>
    [option.long, option.short].filter((flag): flag is string => flag !== undefined),
  );
  flags.push('--help');
  return flags;
}

/** Completion candidates for a line, and the text at the end of the line they replace. */
export type Completion = [candidates: string[], replaced: string];

/**
 * Complete the last word of `line`: a command name in first position, then a subcommand name,
 * an option of the current command after `-`, and a context name after `--context` or `-c`
 * (also as `--context=NAME`).
 */
export async function completeLine(
  line: string,
  catalog: CompletionCatalog,
  contextNames: () => Promise<string[]>,
): Promise<Completion> {
  const scanned = scanLine(line);
  if (scanned.openQuote || scanned.danglingEscape) {
    return [[], ''];
  }

  const partial = scanned.lastWordStart === undefined ? '' : line.slice(scanned.lastWordStart);
  const before = scanned.lastWordStart === undefined ? scanned.words : scanned.words.slice(0, -1);
  // Typing the program name out of habit is allowed, as the shell runs such lines too.
  if (before[0] === 'mem0') {
    before.shift();
  }

  if (before.length === 0) {
    return [matching([...catalog.commands.keys()].sort(), partial), partial];
  }

  const subcommands = catalog.subcommands.get(before[0]!) ?? [];
  if (before.length === 1 && subcommands.length > 0 && !partial.startsWith('-')) {
    return [matching([...subcommands].sort(), partial), partial];
  }

  const key = `${before[0]} ${before[1]}`;
  const flags = catalog.commands.get(catalog.commands.has(key) ? key : before[0]!) ?? [];
  const previous = before[before.length - 1];
  const takesContext = flags.includes('--context');

  if (takesContext && (previous === '--context' || previous === '-c')) {
    return [matching(await contextNames(), partial), partial];
  }
  if (takesContext && partial.startsWith('--context=')) {
    const names = (await contextNames()).map((name) => `--context=${name}`);
    return [matching(names, partial), partial];
  }
  if (partial.startsWith('-') && !before.includes('--')) {
    return [matching([...flags].sort(), partial), partial];
  }
  return [[], partial];
}

/**
 * Filter `candidates` to those that start with `partial`. A single match gets a trailing space,
 * so that the next word can be typed at once.
 */
function matching(candidates: string[], partial: string): string[] {
  const found = [...new Set(candidates.filter((candidate) => candidate.startsWith(partial)))];
  return found.length === 1 ? [`${found[0]} `] : found;
}

import type { Command } from 'commander';

import { colorsFor, type CommandIO, writeLine } from '../io.js';

/** Print the commands of `program` that the shell offers, then the shell's own words. */
export function printShellHelp(program: Command, io: CommandIO, hidden: string[]): void {
  const colors = colorsFor(io.stdout, io.env);
  const rows = program.commands
    .filter((command) => !hidden.includes(command.name()))
    .map((command) => {
      const alias = command.aliases()[0];
      return [alias ? `${command.name()}, ${alias}` : command.name(), command.description()];
    });
  rows.push(
    ['help [COMMAND]', 'list the commands, or show the options of one'],
    ['exit, quit', 'leave the shell (or press Ctrl-D)'],
  );
  const width = Math.max(...rows.map(([name]) => name!.length));

  writeLine(io.stdout, 'Commands (the same as "mem0 COMMAND", without "mem0"):');
  for (const [name, description] of rows) {
    writeLine(io.stdout, `  ${colors.bold(name!.padEnd(width))}  ${description}`);
  }
  writeLine(
    io.stdout,
    'Quote words with spaces ("like this"). Tab completes commands, options and context names; Ctrl-C cancels a line.',
  );
}

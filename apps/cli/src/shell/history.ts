import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

import { configDirectory } from '../paths.js';

/** The maximum number of lines kept in the history file and offered by arrow-up. */
export const historyLimit = 1000;

export function historyPath(env: NodeJS.ProcessEnv): string {
  return join(configDirectory(env), 'shell-history');
}

// Options whose value may be a credential, and `teams join TOKEN`. A line that names one is
// never written down.
const secretOption =
  /(^|\s)--?[\w-]*(token|password|passwd|secret|key|invite)[\w-]*(=|\s|$)|(^|\s)teams\s+join(\s|$)/i;

/**
 * Decide whether a line belongs in the history. Blank lines, repeats of the line before and lines
 * that start with a space (as in bash with HISTCONTROL=ignorespace) stay out. So do lines that
 * name an option that may carry a credential, and lines that join a team with an invite token.
 */
export function shouldRecord(line: string, previous: string | undefined): boolean {
  if (line.trim() === '' || line.startsWith(' ')) {
    return false;
  }
  if (line === previous) {
    return false;
  }
  return !secretOption.test(line);
}

/**
 * The shell history: newest line first in memory (the order readline expects), oldest first in
 * the file (mode 0600, one line per entry). Lines are appended as they are entered, so two
 * shells at once both keep theirs. The file is cut back to `historyLimit` lines when a session
 * starts and when it ends.
 */
export class ShellHistory {
  private warned = false;

  private constructor(
    private readonly file: string,
    /** Newest first. */
    readonly entries: string[],
    private readonly warn: (message: string) => void,
  ) {}

  /** Read the history file; a missing or unreadable file gives an empty history. */
  static load(file: string, warn: (message: string) => void): ShellHistory {
    let lines: string[] = [];
    try {
      lines = readLines(file);
      // A file made by hand or by an older version may be readable by others; it should not be.
      chmodSync(file, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        warn(`Could not read the shell history ${file}: ${(error as Error).message}.`);
      }
    }

    const history = new ShellHistory(file, lines.slice(-historyLimit).reverse(), warn);
    if (lines.length > historyLimit) {
      history.rewrite();
    }
    return history;
  }

  /** Add a line, in memory and in the file, unless `shouldRecord` rejects it. */
  record(line: string): void {
    if (!shouldRecord(line, this.entries[0])) {
      return;
    }

    this.entries.unshift(line);
    this.entries.length = Math.min(this.entries.length, historyLimit);
    this.write(() => {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      appendFileSync(this.file, `${line}\n`, { mode: 0o600 });
      // appendFileSync sets the mode only when it creates the file.
      chmodSync(this.file, 0o600);
    });
  }

  /** Cut the file back to the newest `historyLimit` lines, including those of other sessions. */
  trim(): void {
    try {
      const lines = readLines(this.file);
      if (lines.length > historyLimit) {
        this.replaceFile(lines.slice(-historyLimit));
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.warnOnce(
          `Could not trim the shell history ${this.file}: ${(error as Error).message}.`,
        );
      }
    }
  }

  private rewrite(): void {
    this.write(() => this.replaceFile([...this.entries].reverse()));
  }

  private replaceFile(lines: string[]): void {
    // Write a new file and rename it over the old one, so that a crash never leaves half a file.
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, lines.map((line) => `${line}\n`).join(''), { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  private write(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.warnOnce(
        `Could not save the shell history to ${this.file}: ${(error as Error).message}. The session goes on without saving it.`,
      );
    }
  }

  private warnOnce(message: string): void {
    if (!this.warned) {
      this.warned = true;
      this.warn(message);
    }
  }
}

function readLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

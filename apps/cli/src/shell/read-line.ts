import { type AsyncCompleter, type Completer, createInterface, type Key } from 'node:readline';

import type { CommandIO } from '../io.js';

export type ReadResult = { kind: 'line'; line: string } | { kind: 'cancel' } | { kind: 'end' };

export interface ReadOptions {
  prompt: string;
  /** Newest first; shown by arrow-up. Not changed here. */
  history: readonly string[];
  completer: Completer | AsyncCompleter;
}

interface Keypress {
  sequence: string | undefined;
  key: Key | undefined;
}

/**
 * Reads the shell's lines from the terminal. Each line gets its own readline interface, which is
 * closed before the command runs. The terminal is then back in normal (cooked) mode, so the
 * prompts of a command own the keyboard alone, and Ctrl-C during a command is a plain SIGINT.
 */
export class LineReader {
  // Keys that arrived in the same read as the end of the previous line, such as pasted lines.
  // They are typed into the next line instead of being lost.
  private pending: Keypress[] = [];

  constructor(private readonly io: CommandIO) {}

  /**
   * Read one line. Ctrl-C cancels the line, and on an empty line it also prints how to leave.
   * Ctrl-D on an empty line ends the input.
   */
  read(options: ReadOptions): Promise<ReadResult> {
    const { io } = this;

    return new Promise((resolve) => {
      const rl = createInterface({
        input: io.stdin,
        output: io.stdout,
        terminal: true,
        prompt: options.prompt,
        // The session keeps the history itself (see ShellHistory), so readline must not add lines.
        history: [...options.history],
        historySize: 0,
        completer: options.completer,
        tabSize: 4,
      });

      let settled = false;
      const finish = (result: ReadResult) => {
        if (settled) {
          return;
        }
        settled = true;
        rl.close();
        this.keepRestOfRead();
        resolve(result);
      };

      rl.on('line', (line) => finish({ kind: 'line', line }));
      rl.on('SIGINT', () => {
        const empty = rl.line.length === 0;
        io.stdout.write(empty ? '\n(To exit, press Ctrl-D or type exit)\n' : '^C\n');
        finish({ kind: 'cancel' });
      });
      rl.on('close', () => {
        // Reached without a line only through Ctrl-D on an empty line.
        if (!settled) {
          io.stdout.write('\n');
        }
        finish({ kind: 'end' });
      });

      rl.prompt();
      while (!settled && this.pending.length > 0) {
        const { sequence, key } = this.pending.shift()!;
        if (key) {
          rl.write(sequence ?? null, key);
        } else if (sequence !== undefined) {
          rl.write(sequence);
        }
      }
    });
  }

  /**
   * Collect the keypresses still to come from the read that ended the line. Node emits the keys
   * of one read synchronously, so listening until the next turn of the event loop catches them
   * and nothing typed later (which belongs to the command's own prompts).
   */
  private keepRestOfRead(): void {
    const collect = (sequence: string | undefined, key: Key | undefined) => {
      this.pending.push({ sequence, key });
    };
    this.io.stdin.on('keypress', collect);
    setImmediate(() => this.io.stdin.off('keypress', collect));
  }
}

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { resolve } from 'node:path';

import { childEnvironment, cliPath, type RunOptions } from './helpers.js';

const driverPath = resolve(__dirname, 'pty-driver.py');

/** Keys as a terminal sends them. */
export const keys = {
  enter: '\r',
  tab: '\t',
  ctrlC: '\u0003',
  ctrlD: '\u0004',
  up: '\u001b[A',
  down: '\u001b[B',
} as const;

/** How the CLI ended, and the terminal mode it left behind. */
export interface TerminalExit {
  exitCode: number | null;
  signal: number | null;
  /** Canonical (line) input is on, as a shell expects after a program exits. */
  canonical: boolean;
  echo: boolean;
}

// CSI sequences (cursor moves, colours, erase), OSC sequences and bare carriage returns.
// eslint-disable-next-line no-control-regex -- these patterns exist to remove control sequences.
const controlSequences = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007|\u001b[=>]|\r/g;

/**
 * The CLI running on a pseudo-terminal of its own, through `pty-driver.py`: keys written with
 * `type` reach it as typed input, and its terminal output collects in `output`.
 */
export class TerminalSession {
  private raw = '';
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<TerminalExit>;
  private waiters: (() => void)[] = [];

  constructor(args: string[], options: RunOptions = {}) {
    const env = childEnvironment(options);
    env.TERM = 'xterm-256color';
    this.child = spawn('python3', [driverPath, '120', '40', process.execPath, cliPath, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });

    this.child.stdout.on('data', (chunk: Buffer) => {
      this.raw += chunk.toString('utf8');
      const waiters = this.waiters;
      this.waiters = [];
      waiters.forEach((wake) => wake());
    });
    let report = '';
    this.child.stderr.on('data', (chunk: Buffer) => {
      report += chunk.toString('utf8');
    });
    this.exited = new Promise((resolvePromise, reject) => {
      this.child.on('error', reject);
      this.child.on('close', () => {
        const waiters = this.waiters;
        this.waiters = [];
        waiters.forEach((wake) => wake());
        try {
          resolvePromise(JSON.parse(report.trim().split('\n').pop() ?? '') as TerminalExit);
        } catch {
          reject(new Error(`The pty driver did not report an exit: ${report}`));
        }
      });
    });
    // A session killed after a failed test is never awaited; its rejection is not a new failure.
    this.exited.catch(() => undefined);
  }

  /** Everything shown so far, without escape sequences and carriage returns. */
  get output(): string {
    return this.raw.replace(controlSequences, '');
  }

  /** Return the length of `output` now, to wait only for what appears after this point. */
  mark(): number {
    return this.output.length;
  }

  type(text: string): void {
    this.child.stdin.write(text);
  }

  /**
   * Wait until `output` from offset `from` on contains `expected`, and return that part of the
   * output. Fails with the output so far after `timeoutMs`.
   */
  async waitFor(expected: string | RegExp, from = 0, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.output.slice(from);
      const found = typeof expected === 'string' ? text.includes(expected) : expected.test(text);
      if (found) {
        return text;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.child.exitCode !== null) {
        throw new Error(
          `Timed out waiting for ${String(expected)} in the terminal output:\n${text}`,
        );
      }
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, Math.min(remaining, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }

  /** Type a line, press Enter and wait for the next prompt; return what the line printed. */
  async run(line: string): Promise<string> {
    const from = this.mark();
    this.type(line + keys.enter);
    const text = await this.waitFor(/\nmem0> $/, from);
    return text;
  }

  /** Wait for the CLI to exit; it is killed after `timeoutMs`. */
  async exit(timeoutMs = 15_000): Promise<TerminalExit> {
    const timer = setTimeout(() => this.child.kill('SIGTERM'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stop the CLI if it still runs, for cleanup after a failed test. */
  kill(): void {
    if (this.child.exitCode === null) {
      this.child.kill('SIGTERM');
    }
  }
}

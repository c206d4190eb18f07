import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The built CLI entry point. The tests run the build output, so run `pnpm build` first. */
export const cliPath = resolve(__dirname, '../dist/bin.js');

/** better-sqlite3 as installed for the db package, for tests that open the database file. */
export const betterSqlitePath = resolve(
  __dirname,
  '../../../packages/db/node_modules/better-sqlite3',
);

/** A 26-character ULID in upper case, the form that `add` prints. */
export const ulidPattern = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** An ISO 8601 timestamp in UTC with milliseconds. */
export const isoTimestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const escapeCharacter = String.fromCharCode(0x1b);

/** The start of an ANSI escape sequence (colour, bold, cursor movement): ESC then `[`. */
export const ansiEscapePattern = new RegExp(`${escapeCharacter}\\[`);

/** An ANSI foreground colour code such as ESC[31m. */
export const ansiColourPattern = new RegExp(`${escapeCharacter}\\[3\\dm`);

/** A line of a JavaScript stack trace. */
export const stackLinePattern = /^\s+at /m;

export interface CliResult {
  /** The exit code, or null when a signal ended the process. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time from spawn to exit, in milliseconds. */
  elapsedMs: number;
}

export interface RunOptions {
  /** The MEM0_HOME of the child. Without it, `env` should set XDG_DATA_HOME to a test directory. */
  home?: string;
  /** Written to the child's stdin, which is then closed. Without it stdin is closed at once. */
  input?: string | Buffer;
  /** Variables added to the child's environment. A value of `undefined` removes the variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** The child is killed after this many milliseconds. */
  timeoutMs?: number;
}

const defaultTimeoutMs = 30_000;

/**
 * Build the environment of a CLI child: the test runner's variables without anything that
 * changes mem0's behaviour (MEM0_*, colour switches), plus NO_COLOR=1 and the given MEM0_HOME.
 */
export function childEnvironment(options: RunOptions = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('MEM0_') || key === 'FORCE_COLOR' || key === 'NO_COLOR' || key === 'TERM') {
      continue;
    }
    env[key] = value;
  }
  env.NO_COLOR = '1';
  if (options.home !== undefined) {
    env.MEM0_HOME = options.home;
  }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) {
      delete env[key];
    } else {
      env[key] = value;
    }
  }
  return env;
}

/** Run `node dist/bin.js ...args` as a child process and collect its output and exit code. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  if (!existsSync(cliPath)) {
    throw new Error(
      `${cliPath} does not exist. Run "pnpm build" in /work/main before the CLI tests.`,
    );
  }

  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd,
      env: childEnvironment(options),
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? defaultTimeoutMs,
    });

    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        elapsedMs: Date.now() - started,
      });
    });

    // A child that exits before reading its stdin closes the pipe, which is not a test failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Whether util-linux `script` is installed, which `runInTerminal` needs for a pseudo-terminal. */
export const terminalAvailable =
  process.platform === 'linux' && spawnSync('script', ['--version']).status === 0;

/** Quote a word for a POSIX shell. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface TerminalOptions extends RunOptions {
  /** Typed into the terminal once the output contains `prompt`. */
  answer?: string;
  prompt?: string;
}

/**
 * Run the CLI on a pseudo-terminal through util-linux `script`, so that its stdin and stdout
 * are a TTY. Stdout and stderr arrive together in `stdout`, as a terminal shows them.
 */
export function runInTerminal(args: string[], options: TerminalOptions = {}): Promise<CliResult> {
  const commandLine = [process.execPath, cliPath, ...args].map(shellQuote).join(' ');

  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn('script', ['--quiet', '--return', '--command', commandLine, '/dev/null'], {
      cwd: options.cwd,
      env: childEnvironment(options),
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? defaultTimeoutMs,
    });

    let stdout = '';
    let answered = options.answer === undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (!answered && stdout.includes(options.prompt ?? '')) {
        answered = true;
        child.stdin.write(options.answer);
      }
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    // Stdin stays open until the child exits: `script` may end the session at its end.
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolvePromise({ code, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}

/**
 * Parse the whole of stdout as JSON. Throws with the output in the message when stdout contains
 * anything besides one JSON value.
 */
export function parseJson<T = unknown>(stdout: string): T {
  try {
    return JSON.parse(stdout) as T;
  } catch (error) {
    throw new Error(`stdout is not one JSON value (${(error as Error).message}):\n${stdout}`);
  }
}

/** Split an output into its non-empty lines. */
export function outputLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.length > 0);
}

/** Return the lines of stderr that start with `error:`. */
export function errorLines(stderr: string): string[] {
  return outputLines(stderr).filter((line) => line.startsWith('error:'));
}

/** Create an empty temporary directory to use as MEM0_HOME. */
export function createHome(label = 'home'): string {
  return mkdtempSync(join(tmpdir(), `mem0-cli-test-${label}-`));
}

export function removeHome(home: string): void {
  rmSync(home, { recursive: true, force: true });
}

/** The fields that every memory object printed with `--json` carries. */
export interface MemoryJson {
  id: string;
  content: string;
  context: string;
  tags: string[];
  metadata: Record<string, unknown>;
  source: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  version: number;
}

export interface AddJson extends MemoryJson {
  created: boolean;
}

export interface SearchHitJson extends MemoryJson {
  score: number;
  snippet: string;
}

export interface RevisionJson {
  memoryId: string;
  version: number;
  operation: string;
  content: string;
  context: string;
  tags: string[];
  metadata: Record<string, unknown>;
  createdAt: string;
}

export interface ImportSummaryJson {
  lines: number;
  added: number;
  duplicate: number;
  rejected: number;
  rejects: { line: number; reason: string }[];
}

/** Run `add ... --json` and return the printed memory. Throws when the command fails. */
export async function addMemory(home: string, args: string[], input?: string): Promise<AddJson> {
  const result = await runCli(['add', ...args, '--json'], { home, input });
  if (result.code !== 0) {
    throw new Error(`mem0 add ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
  }
  return parseJson<AddJson>(result.stdout);
}

/** Run a command with `--json` that prints an array and return it. Throws when the command fails. */
export async function listJson<T = MemoryJson>(home: string, args: string[]): Promise<T[]> {
  const result = await runCli([...args, '--json'], { home });
  if (result.code !== 0) {
    throw new Error(`mem0 ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
  }
  return parseJson<T[]>(result.stdout);
}

/**
 * Map `items` with at most `concurrency` calls of `work` running at once, keeping the order.
 * Table-driven tests run their CLI calls this way in `beforeAll`, because each call spends most
 * of its time starting Node, which a second core can do in parallel.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  work: (item: T) => Promise<R>,
  concurrency = 3,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(runners);
  return results;
}

/** Wait `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}

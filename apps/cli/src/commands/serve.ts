import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

import {
  ConfigError,
  createLocalApp,
  createLogger,
  loopbackHosts,
  type Logger,
  startServer,
} from '@memzero/api';
import { invalidArgument, Mem0Error } from '@memzero/core';

import { type CommandIO, writeLine } from '../io.js';
import { databasePath, serverTokenPath } from '../paths.js';

export const defaultServePort = 13370;

export interface ServeOptions {
  /** The port as typed; 0 picks a free one. */
  port?: string;
  printToken?: boolean;
}

// A token is 32 random bytes in base64url: 43 characters without padding.
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Serve the local store over HTTP on 127.0.0.1 until SIGINT or SIGTERM, for editor clients on
 * this machine. Every request needs the per-install token, and a Host header that names this
 * machine, so that a web page cannot reach the server through DNS rebinding. Logs go to stderr.
 */
export async function serve(options: ServeOptions, io: CommandIO): Promise<number> {
  const tokenFile = serverTokenPath(io.env);
  const token = ensureServerToken(tokenFile);
  if (options.printToken) {
    writeLine(io.stdout, token);
    return 0;
  }

  const port = parsePort(options.port);
  const logger = createLogger({
    name: 'mem0-serve',
    level: logLevelOf(io.env),
    destination: io.stderr,
  });
  const { app, store } = createLocalApp({
    databasePath: databasePath(io.env),
    token,
    logger,
    allowedHosts: loopbackHosts,
  });

  const running = await listenOrClose(port, app, logger, () => store.close());
  logger.info(
    { url: running.url, tokenFile },
    'serving the local store; clients send the token from "mem0 serve --print-token" as "Authorization: Bearer TOKEN"',
  );
  await running.closed;
  return 0;
}

async function listenOrClose(
  port: number,
  app: Parameters<typeof startServer>[1],
  logger: Logger,
  close: () => Promise<void>,
) {
  try {
    return await startServer({ host: '127.0.0.1', port, shutdownTimeoutMs: 10_000 }, app, {
      logger,
      onShutdown: close,
    });
  } catch (error) {
    await close();
    if (error instanceof ConfigError) {
      throw invalidArgument(error.problems.join(' '));
    }
    throw error;
  }
}

function parsePort(value: string | undefined): number {
  if (value === undefined) {
    return defaultServePort;
  }
  const port = /^\d{1,5}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw invalidArgument(`--port "${value}" is not a port number. Give a number from 0 to 65535.`);
  }
  return port;
}

function logLevelOf(env: NodeJS.ProcessEnv): (typeof logLevels)[number] {
  const level = env.LOG_LEVEL?.trim();
  return (logLevels as readonly string[]).includes(level ?? '')
    ? (level as (typeof logLevels)[number])
    : 'info';
}

/**
 * Read the token from `path`, creating the file first when it does not exist: 32 random bytes
 * in base64url, in a file that only its owner can read (mode 0600).
 */
export function ensureServerToken(path: string): string {
  try {
    return readServerToken(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }
  return createServerToken(path);
}

function createServerToken(path: string): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');

  // Write a private file, then link it into place: the link fails when another process got
  // there first, and no reader ever sees a half-written token.
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${token}\n`, { mode: 0o600 });
  try {
    linkSync(temporary, path);
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return readServerToken(path);
    }
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

function readServerToken(path: string): string {
  // A token readable by other users is no secret: take their access away first.
  if ((statSync(path).mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
  }

  const token = readFileSync(path, 'utf8').trim();
  if (!tokenPattern.test(token)) {
    throw new Mem0Error(
      'invalid_argument',
      `The token file ${path} does not hold a mem0 token. Delete it, and "mem0 serve" creates a new one.`,
    );
  }
  return token;
}

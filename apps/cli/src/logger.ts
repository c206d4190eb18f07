import type { Writable } from 'node:stream';

import pino, { type Level, type Logger } from 'pino';

const levels: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

// Secrets never reach a log call on purpose; this list catches one passed by mistake.
const redactedPaths = [
  'password',
  'token',
  'key',
  'accessToken',
  'refreshToken',
  'apiKey',
  'secret',
  '*.password',
  '*.token',
  '*.key',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*.secret',
];

/**
 * Create the logger of a CLI command: JSON lines on stderr, at the level of `LOG_LEVEL` (`warn`
 * by default, so a normal run prints no log lines). Logs name profiles and servers, never a
 * credential.
 */
export function createCommandLogger(
  env: NodeJS.ProcessEnv,
  destination: Writable = process.stderr,
): Logger {
  const requested = env.LOG_LEVEL?.trim() ?? '';
  const level = levels.includes(requested) ? (requested as Level | 'silent') : 'warn';
  return pino(
    { name: 'mem0', level, redact: { paths: redactedPaths, censor: '[redacted]' } },
    destination,
  );
}

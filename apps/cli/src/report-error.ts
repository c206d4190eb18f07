import type { Mem0Error } from '@memzero/core';

import { colorsFor, type CommandIO, writeLine } from './io.js';

const fileErrors: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

/**
 * Whether `error` belongs to the mem0 error family. Checked by shape rather than with
 * `instanceof`, so that this module does not load the core package (a `--help` run never needs
 * it) and so that errors from another copy of the package are recognized too.
 */
function isMem0Error(error: unknown): error is Mem0Error {
  return (
    error instanceof Error &&
    error.name === 'Mem0Error' &&
    typeof (error as Partial<Mem0Error>).exitCode === 'number'
  );
}

/**
 * Print an error as one line on stderr and return its exit code. Errors of the mem0 family
 * carry their own message and code; file errors name the path; anything else is unexpected and
 * shows its stack only when MEM0_DEBUG is set.
 */
export function reportError(error: unknown, io: CommandIO): number {
  const colors = colorsFor(io.stderr, io.env);
  const prefix = colors.red('error:');

  if (isMem0Error(error)) {
    writeLine(io.stderr, `${prefix} ${error.message}`);
    return error.exitCode;
  }

  const errno = error as NodeJS.ErrnoException;
  if (errno?.code && errno.path && fileErrors[errno.code]) {
    writeLine(io.stderr, `${prefix} ${errno.path}: ${fileErrors[errno.code]}.`);
    return 1;
  }

  const message = error instanceof Error ? error.message : String(error);
  writeLine(
    io.stderr,
    `${prefix} unexpected failure: ${message}. Run again with MEM0_DEBUG=1 for details, and report it if it persists.`,
  );
  if (io.env.MEM0_DEBUG && error instanceof Error && error.stack) {
    writeLine(io.stderr, error.stack);
  }
  return 1;
}

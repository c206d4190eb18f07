import { Mem0Error } from '@memzero/core';

/** The SQLite error codes that mean something to a user, turned into mem0 errors. */
export function translateSqliteError(error: unknown, path: string): unknown {
  // Read by shape, not with instanceof Error: an error made in another realm (a vm context, as
  // under Jest, or a worker) is not an instance of this realm's Error.
  if (typeof error !== 'object' || error === null || !('code' in error)) {
    return error;
  }
  const code = error.code;
  if (typeof code !== 'string') {
    return error;
  }
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    return new Mem0Error(
      'store_unavailable',
      `Cannot create the database ${path}: a part of its directory path is a file. Set MEM0_HOME to a directory.`,
      { cause: error },
    );
  }
  if (['EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOENT'].includes(code)) {
    return new Mem0Error(
      'store_unavailable',
      `Cannot create or open the database ${path} (${code}). mem0 needs write access to the file and its directory, also to read; check their permissions or set MEM0_HOME to another directory.`,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new Mem0Error(
      'store_busy',
      `The database ${path} is busy: another process held its write lock for longer than the busy timeout. Try again.`,
      { cause: error },
    );
  }
  if (
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_PERM')
  ) {
    return new Mem0Error(
      'store_unavailable',
      `Cannot open the database ${path} for reading and writing. mem0 needs write access to the file and its directory, also to read; check their permissions or set MEM0_HOME to another directory.`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new Mem0Error(
      'store_unavailable',
      `The file ${path} is not a mem0 database or is damaged. Move it away to start a new one.`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR')) {
    return new Mem0Error(
      'store_unavailable',
      `Writing to the database ${path} failed (${code}). Check the free disk space and try again.`,
      { cause: error },
    );
  }
  return error;
}

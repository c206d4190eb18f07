import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

import { translateSqliteError } from './errors.js';
import { migrateSqlite } from './migrate.js';

export interface OpenSqliteOptions {
  /**
   * How long a write waits for another process's write lock before failing with `store_busy`,
   * in milliseconds.
   */
  busyTimeoutMs?: number;
  /** Apply pending migrations on open (the default). */
  migrate?: boolean;
  /**
   * Called with the text of every SQL statement run, migrations included, for trace logging.
   * The text can contain bound values, memory contents among them.
   */
  traceStatement?: (sql: string) => void;
}

export const defaultBusyTimeoutMs = 15_000;

/**
 * Open (creating if needed) a SQLite database file for mem0: WAL journal so readers never wait
 * for the writer, a busy timeout so writers queue instead of failing, foreign keys on, and the
 * schema migrated. A new file is created readable by its owner only.
 */
export function openSqliteDatabase(
  path: string,
  options: OpenSqliteOptions = {},
): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      closeSync(openSync(path, 'a', 0o600));
    }

    const trace = options.traceStatement;
    db = new Database(path, trace ? { verbose: (sql) => trace(String(sql)) } : {});
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? defaultBusyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');

    if (options.migrate !== false) {
      migrateSqlite(db);
    }
    return db;
  } catch (error) {
    db?.close();
    throw translateSqliteError(error, path);
  }
}

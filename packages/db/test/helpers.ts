import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SqliteStore, type SqliteStoreOptions } from '../src/index.js';

/** A fresh directory under the system temp folder, removed by the returned function. */
export function temporaryDirectory(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'mem0-db-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A store on a new database file in its own temp directory. */
export function temporaryStore(options: SqliteStoreOptions = {}) {
  const directory = temporaryDirectory();
  const file = join(directory.path, 'mem0.db');
  const store = new SqliteStore(file, options);
  return {
    store,
    file,
    async cleanup() {
      await store.close();
      directory.remove();
    },
  };
}

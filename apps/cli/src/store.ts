import type { MemoryStore } from '@memzero/core';

import { databasePath } from './paths.js';

/**
 * Open the store for the current environment: the local SQLite database. The db package is
 * loaded here, on first use, so that `--help` and usage errors never pay for it.
 */
export async function openStore(env: NodeJS.ProcessEnv): Promise<MemoryStore> {
  const { SqliteStore } = await import('@memzero/db');
  return new SqliteStore(databasePath(env));
}

/** Run `work` with an open store and close the store afterwards, whatever happens. */
export async function withStore<T>(
  env: NodeJS.ProcessEnv,
  work: (store: MemoryStore) => Promise<T>,
): Promise<T> {
  const store = await openStore(env);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

import type { MemoryStore } from '@memzero/core';
import type { Logger } from 'pino';

import { databasePath } from './paths.js';
import { resolveTarget } from './target.js';

/**
 * Open the store that `env` selects (see `resolveTarget`): the local SQLite database, or the
 * team server of a profile or of `MEM0_SERVER`. The db and client packages are loaded here, on
 * first use, so that `--help` and usage errors never pay for them.
 */
export async function openStore(env: NodeJS.ProcessEnv): Promise<MemoryStore> {
  const target = resolveTarget(env);
  if (target.kind !== 'local') {
    const { RemoteStore } = await import('@memzero/client');
    const { connectToServer } = await import('./remote.js');
    return new RemoteStore((await connectToServer(env, target)).client);
  }
  // The logger (and pino) loads only when it would log SQL, so plain commands start faster.
  const logger =
    env.LOG_LEVEL?.trim() === 'trace'
      ? (await import('./logger.js')).createCommandLogger(env)
      : undefined;
  return openLocalStore(env, logger);
}

/**
 * Open the local SQLite database, whichever profile is selected. With a `logger` at level
 * `trace`, every SQL statement is logged.
 */
export async function openLocalStore(
  env: NodeJS.ProcessEnv,
  logger?: Logger,
): Promise<MemoryStore> {
  const { SqliteStore } = await import('@memzero/db');
  const traceStatement =
    logger?.isLevelEnabled('trace') === true
      ? (sql: string) => logger.trace({ sql }, 'sql statement')
      : undefined;
  return new SqliteStore(databasePath(env), { traceStatement });
}

// Stores that stay open across commands, keyed by the environment object the commands receive.
const sharedStores = new WeakMap<NodeJS.ProcessEnv, MemoryStore>();

/**
 * Make `withStore(env, …)` use `store` and leave it open, until the returned function is called.
 * The interactive shell opens its store once this way; the caller still closes the store.
 */
export function shareStore(env: NodeJS.ProcessEnv, store: MemoryStore): () => void {
  sharedStores.set(env, store);
  return () => {
    sharedStores.delete(env);
  };
}

/**
 * Run `work` with an open store and close the store afterwards, whatever happens. A store shared
 * for `env` with `shareStore` is used as it is and stays open.
 */
export async function withStore<T>(
  env: NodeJS.ProcessEnv,
  work: (store: MemoryStore) => Promise<T>,
): Promise<T> {
  const shared = sharedStores.get(env);
  if (shared) {
    return work(shared);
  }

  const store = await openStore(env);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

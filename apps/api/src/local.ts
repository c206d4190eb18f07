import { createHash, timingSafeEqual } from 'node:crypto';

import type { Express } from 'express';

import { Mem0Error } from '@memzero/core';
import { appliedSqliteMigrations, localUserId, SqliteStore, sqliteMigrations } from '@memzero/db';

import { type AppOptions, createApp } from './app.js';
import type { Authenticate, Principal } from './principal.js';

// Local-token mode: one user, the local user of a SQLite database, and one secret token that
// grants full access. `mem0 serve` runs in this mode, and so does `mem0-server` with a file:
// DATABASE_URL until the auth package provides accounts.

/**
 * Accepts exactly `expected` as the bearer token and maps it to the local user with write
 * scope. The tokens are compared as SHA-256 digests in constant time, so neither the content
 * nor the length of the expected token leaks through timing.
 */
export function localTokenAuthenticator(expected: string, userId = localUserId): Authenticate {
  const expectedDigest = createHash('sha256').update(expected).digest();
  const principal: Principal = { userId, scope: 'write', via: 'local_token' };

  return async (token) => {
    const digest = createHash('sha256').update(token).digest();
    if (!timingSafeEqual(digest, expectedDigest)) {
      throw new Mem0Error('unauthenticated', 'The bearer token is not valid for this server.');
    }
    return { ...principal };
  };
}

/** Build the readiness check of a SQLite store: the file is open, responds to a query and is fully migrated. */
export function sqliteReadiness(store: SqliteStore): () => Promise<void> {
  return async () => {
    const db = store.database;
    if (!db.open) {
      throw new Mem0Error('store_unavailable', `The database ${store.path} is closed.`);
    }
    db.prepare('SELECT 1').get();

    const applied = appliedSqliteMigrations(db).length;
    if (applied < sqliteMigrations.length) {
      throw new Mem0Error(
        'store_unavailable',
        `The database ${store.path} has ${applied} of ${sqliteMigrations.length} migrations applied.`,
      );
    }
  };
}

export interface LocalAppOptions extends Omit<AppOptions, 'authenticate' | 'storeFor' | 'ready'> {
  /** The SQLite database file; created and migrated when needed. */
  databasePath: string;
  /** The one bearer token that the server accepts. */
  token: string;
}

/**
 * Open the local SQLite store and build the app on it, in local-token mode. The caller closes
 * the returned store when the server has stopped.
 */
export function createLocalApp(options: LocalAppOptions): { app: Express; store: SqliteStore } {
  const { databasePath, token, ...appOptions } = options;
  const store = new SqliteStore(databasePath);
  const app = createApp({
    ...appOptions,
    authenticate: localTokenAuthenticator(token),
    storeFor: () => store,
    ready: sqliteReadiness(store),
  });
  return { app, store };
}

import { Pool, type PoolConfig } from 'pg';

import { Mem0Error } from '@memzero/core';

import { postgresMigrations } from '../migrations/generated.js';
import { translatePostgresError } from './errors.js';
import { migratePostgres } from './migrate.js';
import { SearchStatistics } from './statistics.js';
import { PostgresStore, type PostgresStoreOptions } from './store.js';

export interface PostgresDatabaseOptions extends PostgresStoreOptions {
  /** Connections in the pool; the default suits a server on a few cores. */
  maxConnections?: number;
  /** How long a request waits for a free connection before it fails, in milliseconds. */
  connectionTimeoutMs?: number;
  /** How long a query may wait for the server's response, in milliseconds. */
  queryTimeoutMs?: number;
  /** Called when an idle connection fails, for logging; the pool replaces the connection. */
  onIdleError?: (error: Error) => void;
}

/**
 * A PostgreSQL database for mem0: one connection pool, the search statistics and a store per
 * acting user on top of them. Open it once per process and call `migrate` before serving.
 */
export class PostgresDatabase {
  readonly pool: Pool;
  private readonly statistics = new SearchStatistics();
  private readonly storeOptions: PostgresStoreOptions;

  constructor(connectionString: string, options: PostgresDatabaseOptions = {}) {
    const config: PoolConfig = {
      connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      // A server that stops answering without closing the connection would otherwise hold the
      // request forever; after this long the query fails and the request answers 503.
      query_timeout: options.queryTimeoutMs ?? 30_000,
    };
    this.pool = new Pool(config);
    // Without a listener, an idle connection that the server drops would end the process.
    this.pool.on('error', (error) => options.onIdleError?.(error));
    // The pool listens for errors only on idle connections. A checked-out connection, such as
    // one in a transaction, also emits `error` when its socket closes, and an event without a
    // listener would end the process. The caller still sees the failure, because the query in
    // flight on that connection, or the next one sent on it, rejects.
    this.pool.on('connect', (client) => {
      client.on('error', () => undefined);
    });
    this.storeOptions = { now: options.now };
  }

  /** Apply pending migrations, under an advisory lock that several processes can share. */
  async migrate(): Promise<string[]> {
    try {
      return await migratePostgres(this.pool);
    } catch (error) {
      throw translatePostgresError(error);
    }
  }

  /** The memory store of one user, who must exist in `users`. */
  storeFor(userId: string): PostgresStore {
    return new PostgresStore(this.pool, this.statistics, userId, this.storeOptions);
  }

  /**
   * Resolve when the database answers and has every migration of this code applied; reject
   * with `store_unavailable` otherwise.
   */
  async ready(): Promise<void> {
    let applied: number;
    try {
      const { rows } = await this.pool.query<{ applied: number }>(
        'SELECT count(*)::int AS applied FROM "_mem0_migrations" WHERE name = ANY($1::text[])',
        [postgresMigrations.map((migration) => migration.name)],
      );
      applied = rows[0]!.applied;
    } catch (error) {
      const translated = translatePostgresError(error);
      if (translated instanceof Mem0Error) {
        throw translated;
      }
      // 42P01 (undefined_table): the ledger is missing, so no migration ever ran here.
      const missingLedger = (error as { code?: unknown }).code === '42P01';
      const message = missingLedger
        ? 'The database has no mem0 schema yet.'
        : `The database cannot be queried: ${(error as Error).message}.`;
      throw new Mem0Error('store_unavailable', message, { cause: error });
    }
    if (applied < postgresMigrations.length) {
      throw new Mem0Error(
        'store_unavailable',
        `The database lacks ${postgresMigrations.length - applied} of mem0's migrations.`,
      );
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

import type { Pool, PoolClient } from 'pg';

import { Mem0Error } from '@memzero/core';

import { postgresMigrations } from '../migrations/generated.js';
import type { Migration } from '../migrations/types.js';

// An arbitrary constant that names mem0's migration lock among the server's advisory locks.
const migrationLockKey = 0x6d656d30;

const createLedger = `CREATE TABLE IF NOT EXISTS "_mem0_migrations" (
  "name" TEXT NOT NULL PRIMARY KEY,
  "checksum" TEXT NOT NULL,
  "applied_at" TIMESTAMPTZ NOT NULL DEFAULT now()
)`;

/**
 * Bring a PostgreSQL database up to the schema of this code. Each pending migration runs in
 * its own transaction that first takes a transaction-scoped advisory lock, so server instances
 * starting together apply every migration exactly once: the others wait for the lock, then see
 * the migration recorded. Rejects a database that records migrations this code does not know.
 * Returns the names of the migrations this call applied.
 */
export async function migratePostgres(
  pool: Pool,
  migrations: readonly Migration[] = postgresMigrations,
): Promise<string[]> {
  const applied: string[] = [];
  const client = await pool.connect();
  try {
    for (;;) {
      const next = await applyNext(client, migrations);
      if (next === undefined) {
        return applied;
      }
      applied.push(next);
    }
  } finally {
    client.release();
  }
}

async function applyNext(
  client: PoolClient,
  migrations: readonly Migration[],
): Promise<string | undefined> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
    await client.query(createLedger);

    const { rows } = await client.query<{ name: string }>(
      'SELECT "name" FROM "_mem0_migrations" ORDER BY "name"',
    );
    const done = new Set(rows.map((row) => row.name));
    const known = new Set(migrations.map((migration) => migration.name));
    const unknown = [...done].filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new Mem0Error(
        'schema_too_new',
        `The database has migrations this mem0 does not know (${unknown.join(', ')}): it was upgraded by a newer version. Upgrade mem0 to use it.`,
      );
    }

    const pending = migrations.find((migration) => !done.has(migration.name));
    if (pending === undefined) {
      await client.query('COMMIT');
      return undefined;
    }

    await client.query(pending.sql);
    await client.query('INSERT INTO "_mem0_migrations" ("name", "checksum") VALUES ($1, $2)', [
      pending.name,
      pending.checksum,
    ]);
    await client.query('COMMIT');
    return pending.name;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

import type Database from 'better-sqlite3';

import { Mem0Error } from '@memzero/core';

import { sqliteMigrations } from '../migrations/generated.js';
import type { Migration } from '../migrations/types.js';

const createLedger = `CREATE TABLE IF NOT EXISTS "_mem0_migrations" (
  "name" TEXT NOT NULL PRIMARY KEY,
  "checksum" TEXT NOT NULL,
  "applied_at" TEXT NOT NULL
)`;

/**
 * Bring a SQLite database up to the schema of this code. `PRAGMA user_version` holds the number
 * of applied migrations, so an up-to-date database costs one pragma read. Each pending migration
 * runs in its own IMMEDIATE transaction, which takes the write lock before re-reading the
 * version: when several processes start at once, one applies a migration and the others wait
 * (busy timeout), then see it applied and skip it. Rejects a database written by newer code.
 *
 * Foreign keys are off while migrations run: a migration that rebuilds a table (create the new
 * table, copy, drop the old one) would otherwise delete every row that refers to the old table
 * through ON DELETE CASCADE. The pragma has no effect inside a transaction, so it is set around
 * them, and each migration checks the keys before it commits.
 */
export function migrateSqlite(
  db: Database.Database,
  migrations: readonly Migration[] = sqliteMigrations,
): void {
  const current = readVersion(db);
  if (current === migrations.length) {
    return;
  }
  checkNotNewer(current, migrations.length);

  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    applyPending(db, migrations);
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
}

function applyPending(db: Database.Database, migrations: readonly Migration[]): void {
  for (let index = 0; index < migrations.length; index++) {
    const migration = migrations[index]!;
    const apply = db.transaction(() => {
      const version = readVersion(db);
      checkNotNewer(version, migrations.length);
      if (version > index) {
        return;
      }
      if (version === 0) {
        checkEmpty(db);
      }

      db.exec(createLedger);
      db.exec(migration.sql);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) {
        throw new Mem0Error(
          'internal',
          `Migration ${migration.name} would leave ${broken.length} rows referring to missing rows; it was not applied.`,
        );
      }
      db.prepare(
        'INSERT INTO "_mem0_migrations" ("name", "checksum", "applied_at") VALUES (?, ?, ?)',
      ).run(migration.name, migration.checksum, new Date().toISOString());
      db.pragma(`user_version = ${index + 1}`);
    });
    apply.immediate();
  }
}

/** The names of the migrations recorded as applied, in order. */
export function appliedSqliteMigrations(db: Database.Database): string[] {
  const ledger = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_mem0_migrations'")
    .get();
  if (!ledger) {
    return [];
  }
  return db
    .prepare('SELECT "name" FROM "_mem0_migrations" ORDER BY "name"')
    .pluck()
    .all() as string[];
}

function readVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function checkNotNewer(version: number, known: number): void {
  if (version > known) {
    throw new Mem0Error(
      'schema_too_new',
      `The database schema is at version ${version}, newer than the ${known} this mem0 knows. Upgrade mem0 to open it.`,
    );
  }
}

/** A database without mem0's version mark must be empty; mem0 never writes into another's file. */
function checkEmpty(db: Database.Database): void {
  const foreign = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_mem0_migrations' LIMIT 1",
    )
    .pluck()
    .get() as string | undefined;
  if (foreign !== undefined) {
    throw new Mem0Error(
      'store_unavailable',
      `The file ${db.name} is a SQLite database of another program (it has a table "${foreign}"). Move it away, or set MEM0_HOME to another directory.`,
    );
  }
}

import { spawn } from 'node:child_process';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { getMemory, Mem0Error } from '@memzero/core';

import {
  appliedSqliteMigrations,
  migrateSqlite,
  openSqliteDatabase,
  SqliteStore,
  sqliteMigrations,
} from '../src/index.js';
import type { Migration } from '../src/migrations/types.js';
import { temporaryDirectory } from './helpers.js';

const distEntry = join(__dirname, '..', 'dist', 'index.js');

describe('SQLite migrations', () => {
  let directory: ReturnType<typeof temporaryDirectory>;

  beforeEach(() => {
    directory = temporaryDirectory();
  });

  afterEach(() => {
    directory.remove();
  });

  it('create every table from an empty file', () => {
    const db = openSqliteDatabase(join(directory.path, 'new.db'));
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type IN ('table') ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(
      expect.arrayContaining([
        'contexts',
        'memories',
        'memories_fts',
        'memory_tags',
        'revisions',
        'users',
      ]),
    );
    expect(db.pragma('user_version', { simple: true })).toBe(sqliteMigrations.length);
    expect(appliedSqliteMigrations(db)).toEqual(
      sqliteMigrations.map((migration) => migration.name),
    );
    db.close();
  });

  it('keep every memory when the accounts migration adds user columns', async () => {
    const file = join(directory.path, 'upgrade.db');
    const before = sqliteMigrations.filter((migration) => migration.name < '0003_accounts');
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    migrateSqlite(db, before);
    db.prepare(
      `INSERT INTO memories (id, context_id, author_id, content, content_hash, search_text,
         metadata, source, version, created_at, updated_at)
       SELECT '01JF8ZP6V7G1WQK3M4N5R6S7T8', id, 'local', 'kept across the upgrade', 'h', 'kept across the upgrade', '{}',
         'cli', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'
       FROM contexts WHERE name = 'default'`,
    ).run();
    db.close();

    const upgraded = new SqliteStore(file);
    try {
      expect((await getMemory(upgraded, '01JF8ZP6V7G1WQK3M4N5R6S7T8')).content).toBe(
        'kept across the upgrade',
      );
      const user = upgraded.database
        .prepare('SELECT id, password_hash, is_admin, disabled_at FROM users')
        .all();
      expect(user).toEqual([{ id: 'local', password_hash: null, is_admin: 0, disabled_at: null }]);
    } finally {
      await upgraded.close();
    }
  });

  it('set WAL, a busy timeout and foreign keys', () => {
    const db = openSqliteDatabase(join(directory.path, 'pragmas.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(5_000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('apply nothing on a current database', () => {
    const file = join(directory.path, 'twice.db');
    openSqliteDatabase(file).close();
    const db = openSqliteDatabase(file);
    expect(appliedSqliteMigrations(db)).toHaveLength(sqliteMigrations.length);
    db.close();
  });

  it('reject a database newer than the code', () => {
    const file = join(directory.path, 'newer.db');
    const db = openSqliteDatabase(file);
    db.pragma(`user_version = ${sqliteMigrations.length + 1}`);
    db.close();

    expect(() => openSqliteDatabase(file)).toThrow(Mem0Error);
    expect(() => openSqliteDatabase(file)).toThrow(/newer than the \d+ this mem0 knows/);
  });

  it('roll back a failing migration whole', () => {
    const db = new Database(join(directory.path, 'failing.db'));
    const migrations: Migration[] = [
      { name: '0001_a', checksum: 'a', sql: 'CREATE TABLE a (x INTEGER);' },
      {
        name: '0002_b',
        checksum: 'b',
        sql: 'CREATE TABLE b (x INTEGER); INSERT INTO missing VALUES (1);',
      },
    ];

    expect(() => migrateSqlite(db, migrations)).toThrow(/no such table: missing/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toContain('a');
    expect(tables).not.toContain('b');
    expect(appliedSqliteMigrations(db)).toEqual(['0001_a']);
    db.close();
  });

  it('run once when several processes start together', async () => {
    const file = join(directory.path, 'race.db');
    const script = `
      const { openSqliteDatabase } = require(${JSON.stringify(distEntry)});
      openSqliteDatabase(${JSON.stringify(file)}).close();
    `;
    const runs = Array.from({ length: 6 }, () => runNode(script));
    const results = await Promise.all(runs);

    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    const db = openSqliteDatabase(file);
    expect(appliedSqliteMigrations(db)).toEqual(
      sqliteMigrations.map((migration) => migration.name),
    );
    expect(db.prepare("SELECT count(*) FROM users WHERE id = 'local'").pluck().get()).toBe(1);
    db.close();
  });
});

function runNode(script: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Pool } from 'pg';

import type { AccountRepository } from '@memzero/core';
import { openSqliteDatabase, SqliteAccountRepository } from '@memzero/db';
import { migratePostgres, PostgresAccountRepository } from '@memzero/db/postgres';

import type { AccessTokenConfig } from '../src/index.js';

// The server to create throwaway databases on; CI and the development machine run PostgreSQL
// on 127.0.0.1:5432 with trust authentication.
const adminUrl =
  process.env.MEM0_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const accountTables = ['users', 'contexts', 'sessions', 'refresh_tokens', 'api_keys'];

/** A migrated database with its account repository, and what tests need to look inside. */
export interface TestDatabase {
  accounts: AccountRepository;
  /** Delete every registered user, and with them their sessions, keys and contexts. */
  reset(): Promise<void>;
  disableUser(userId: string): Promise<void>;
  enableUser(userId: string): Promise<void>;
  contextNames(userId: string): Promise<string[]>;
  sessionRevokedReason(sessionId: string): Promise<string | null>;
  /** Every row of the account tables as JSON, to search for secrets stored in clear. */
  dumpAccountTables(): Promise<string>;
  close(): Promise<void>;
}

/** A new PostgreSQL database with a unique name, migrated; `close` drops it. */
export async function openPostgres(): Promise<TestDatabase> {
  const name = `mem0_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new Pool({ connectionString: url.toString(), max: 4 });
  await migratePostgres(pool);

  return {
    accounts: new PostgresAccountRepository(pool),
    async reset() {
      await pool.query('DELETE FROM users WHERE password_hash IS NOT NULL');
    },
    async disableUser(userId) {
      await pool.query('UPDATE users SET disabled_at = now() WHERE id = $1', [userId]);
    },
    async enableUser(userId) {
      await pool.query('UPDATE users SET disabled_at = NULL WHERE id = $1', [userId]);
    },
    async contextNames(userId) {
      const { rows } = await pool.query<{ name: string }>(
        'SELECT name FROM contexts WHERE owner_id = $1 ORDER BY name',
        [userId],
      );
      return rows.map((row) => row.name);
    },
    async sessionRevokedReason(sessionId) {
      const { rows } = await pool.query<{ revoked_reason: string | null }>(
        'SELECT revoked_reason FROM sessions WHERE id = $1',
        [sessionId],
      );
      return rows[0]!.revoked_reason;
    },
    async dumpAccountTables() {
      const dump: unknown[] = [];
      for (const table of accountTables) {
        const { rows } = await pool.query(`SELECT * FROM ${table}`);
        dump.push(rows);
      }
      return JSON.stringify(dump);
    },
    async close() {
      // pool.end() resolves before the server has seen every connection close, so the
      // forced drop may still terminate one, and the pool reports that as an error event.
      pool.on('error', () => undefined);
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** A new SQLite file in its own temp directory, migrated; `close` removes the directory. */
export async function openSqlite(): Promise<TestDatabase> {
  const directory = mkdtempSync(join(tmpdir(), 'mem0-auth-test-'));
  const db = openSqliteDatabase(join(directory, 'mem0.db'));

  return {
    accounts: new SqliteAccountRepository(db),
    async reset() {
      db.prepare('DELETE FROM users WHERE password_hash IS NOT NULL').run();
    },
    async enableUser(userId) {
      db.prepare('UPDATE users SET disabled_at = NULL WHERE id = ?').run(userId);
    },
    async disableUser(userId) {
      db.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').run(
        new Date().toISOString(),
        userId,
      );
    },
    async contextNames(userId) {
      return db
        .prepare('SELECT name FROM contexts WHERE owner_id = ? ORDER BY name')
        .pluck()
        .all(userId) as string[];
    },
    async sessionRevokedReason(sessionId) {
      return db
        .prepare('SELECT revoked_reason FROM sessions WHERE id = ?')
        .pluck()
        .get(sessionId) as string | null;
    },
    async dumpAccountTables() {
      return JSON.stringify(
        accountTables.map((table) => db.prepare(`SELECT * FROM ${table}`).all()),
      );
    },
    async close() {
      db.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export const backends: [string, () => Promise<TestDatabase>][] = [
  ['PostgreSQL', openPostgres],
  ['SQLite', openSqlite],
];

/** A clock that tests move by hand, in milliseconds since the epoch. */
export class TestClock {
  time = Date.parse('2026-06-01T12:00:00.000Z');

  now = (): number => this.time;

  advance(milliseconds: number): void {
    this.time += milliseconds;
  }
}

export const testAccessTokens: AccessTokenConfig = {
  algorithm: 'HS256',
  secret: 'a test secret of more than thirty-two bytes',
  issuer: 'https://mem0.test',
  audience: 'mem0-api',
};

/** The error a promise rejects with, for checks on more than its code. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('Expected the promise to reject, but it resolved.');
}

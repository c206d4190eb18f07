import { randomBytes } from 'node:crypto';

import { Pool } from 'pg';

import { PostgresDatabase, type PostgresDatabaseOptions } from '../src/postgres/index.js';

// The server to create throwaway databases on; CI and the development machine run PostgreSQL
// on 127.0.0.1:5432 with trust authentication.
export const adminUrl =
  process.env.MEM0_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A new, migrated database with its own name; `drop` closes the pool and removes it. */
export async function temporaryPostgres(options: PostgresDatabaseOptions = {}) {
  const name = `mem0_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = new PostgresDatabase(url.toString(), options);
  await database.migrate();

  return {
    database,
    url: url.toString(),
    /** Create a user row, which a store needs before it writes. */
    async createUser(id: string): Promise<void> {
      await database.pool.query(
        'INSERT INTO users (id, created_at) VALUES ($1, now()) ON CONFLICT DO NOTHING',
        [id],
      );
    },
    async drop(): Promise<void> {
      await database.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

import { randomBytes } from 'node:crypto';

import { Pool } from 'pg';

import { migratePostgres, postgresMigrations } from '../src/postgres/index.js';

// The server to create throwaway databases on; CI and the development machine run PostgreSQL
// on 127.0.0.1:5432 with trust authentication.
const adminUrl =
  process.env.MEM0_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

describe('PostgreSQL migrations', () => {
  const name = `mem0_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  let pool: Pool;

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    pool = new Pool({ connectionString: url.toString(), max: 4 });
  });

  afterAll(async () => {
    // pool.end() resolves before the server has seen every connection close, so the forced
    // drop may still terminate one, and the pool reports that as an error event.
    pool.on('error', () => undefined);
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('apply once when two servers start together', async () => {
    const results = await Promise.all([migratePostgres(pool), migratePostgres(pool)]);

    expect(results.flat().sort()).toEqual(postgresMigrations.map((migration) => migration.name));
    const { rows } = await pool.query(
      'SELECT name, checksum FROM "_mem0_migrations" ORDER BY name',
    );
    expect(rows).toEqual(
      postgresMigrations.map((migration) => ({
        name: migration.name,
        checksum: migration.checksum,
      })),
    );
  });

  it('create the tables of the schema', async () => {
    const { rows } = await pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(rows.map((row) => row.table_name)).toEqual(
      expect.arrayContaining(['contexts', 'memories', 'memory_tags', 'revisions', 'users']),
    );
  });

  it('apply nothing the second time', async () => {
    expect(await migratePostgres(pool)).toEqual([]);
  });

  it('reject a database migrated by newer code', async () => {
    await pool.query(`INSERT INTO "_mem0_migrations" (name, checksum) VALUES ('9999_future', 'x')`);
    await expect(migratePostgres(pool)).rejects.toMatchObject({ code: 'schema_too_new' });
    await pool.query(`DELETE FROM "_mem0_migrations" WHERE name = '9999_future'`);
  });
});

describe('PostgreSQL search vector migration', () => {
  const name = `mem0_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  let pool: Pool;

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    pool = new Pool({ connectionString: url.toString(), max: 2 });
  });

  afterAll(async () => {
    pool.on('error', () => undefined);
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('fills vectors of rows written before it', async () => {
    const before = postgresMigrations.filter(
      (migration) => migration.name < '0003_search_vector_from_store',
    );
    await migratePostgres(pool, before);
    await pool.query(`INSERT INTO users (id, created_at) VALUES ('u1', now())`);
    await pool.query(
      `INSERT INTO contexts (id, name, owner_id, created_at) VALUES ('c1', 'default', 'u1', now())`,
    );
    await pool.query(
      `INSERT INTO memories (id, context_id, author_id, content, content_hash, search_text, metadata, source, version, created_at, updated_at)
       VALUES ('m1', 'c1', 'u1', 'The party 🎉 is on, the party!', 'h', 'the party 🎉 is on the party', '{}', 'cli', 1, now(), now())`,
    );

    await migratePostgres(pool);

    const { rows } = await pool.query<{ vector: string; word_count: number }>(
      `SELECT search_vector::text AS vector, word_count FROM memories WHERE id = 'm1'`,
    );
    expect(rows).toEqual([{ vector: "'is':4 'on':5 'party':2,7 'the':1,6 '🎉':3", word_count: 7 }]);
  });
});

import { randomBytes } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import Database from 'better-sqlite3';
import { Pool } from 'pg';

import {
  addMemory,
  exportMemories,
  getMemory,
  importMemories,
  listMemories,
  type MemoryStore,
  memoryHistory,
  searchMemories,
} from '@memzero/core';

import {
  appliedSqliteMigrations,
  migrateSqlite,
  SqliteStore,
  sqliteMigrations,
} from '../src/index.js';
import {
  migratePostgres,
  PostgresDatabase,
  PostgresAccountRepository,
  postgresMigrations,
} from '../src/postgres/index.js';
import { temporaryDirectory, temporaryStore } from './helpers.js';
import { adminUrl } from './postgres-helpers.js';
import {
  expectedHistory,
  expectedMemories,
  fixtureInserts,
  ids,
  numberedPlaceholders,
} from './upgrade-fixture.js';

const [firstSqlite] = sqliteMigrations;
const [firstPostgres] = postgresMigrations;

/** The ids a search returns, in rank order. */
async function searchIds(store: MemoryStore, query: string): Promise<string[]> {
  const page = await searchMemories(store, { query });
  return page.items.map((hit) => hit.id);
}

/**
 * Check that the store returns every fixture memory and revision unchanged, and that get,
 * list, search and history work on the rows written at the first schema.
 */
async function expectFixtureReadable(store: MemoryStore, authorId: string): Promise<void> {
  const [party, backup, cafe] = expectedMemories(authorId);

  expect(await getMemory(store, ids.party)).toEqual(party);
  expect(await getMemory(store, ids.backup)).toEqual(backup);
  expect(await getMemory(store, ids.cafe)).toEqual(cafe);
  await expect(getMemory(store, ids.deleted)).rejects.toMatchObject({ code: 'not_found' });

  const all = await listMemories(store, {});
  expect(all.items).toEqual([cafe, backup, party]);
  const work = await listMemories(store, { context: 'work' });
  expect(work.items.map((memory) => memory.id)).toEqual([ids.cafe, ids.backup]);
  const tagged = await listMemories(store, { tags: ['party'] });
  expect(tagged.items.map((memory) => memory.id)).toEqual([ids.party]);
  const byMetadata = await listMemories(store, { metadata: { room: '4B' } });
  expect(byMetadata.items.map((memory) => memory.id)).toEqual([ids.party]);

  expect(await searchIds(store, '🎉')).toEqual([ids.party]);
  expect(await searchIds(store, 'friday')).toEqual([ids.party]);
  expect(await searchIds(store, '备份')).toEqual([ids.backup]);
  expect(await searchIds(store, 'café')).toEqual([ids.cafe]);
  expect(await searchIds(store, 'drawer')).toEqual([]);

  for (const id of Object.values(ids)) {
    expect(await memoryHistory(store, id)).toEqual(expectedHistory(id, authorId));
  }
}

describe('upgrade from the first SQLite schema', () => {
  const directory = temporaryDirectory();
  const file = join(directory.path, 'first-schema.db');
  let store: SqliteStore;

  beforeAll(() => {
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    migrateSqlite(db, [firstSqlite!]);
    expect(appliedSqliteMigrations(db)).toEqual([firstSqlite!.name]);

    // 0001_init creates the local user and its context 'local-default'. Its triggers fill
    // memories_fts from each inserted memory, as the store of that time relied on.
    const fill = db.transaction(() => {
      db.prepare(
        `INSERT INTO contexts (id, name, owner_id, created_at)
         VALUES ('ctx-work', 'work', 'local', '2026-01-04T00:00:00.000Z')`,
      ).run();
      for (const { sql, params } of fixtureInserts(
        { default: 'local-default', work: 'ctx-work' },
        'local',
      )) {
        db.prepare(sql).run(...params);
      }
    });
    fill();
    db.close();

    store = new SqliteStore(file);
  });

  afterAll(async () => {
    await store.close();
    directory.remove();
  });

  it('applies every later migration', () => {
    expect(appliedSqliteMigrations(store.database)).toEqual(sqliteMigrations.map((m) => m.name));
    expect(store.database.pragma('user_version', { simple: true })).toBe(sqliteMigrations.length);
  });

  it('keeps every row of the first schema', () => {
    const db = store.database;
    expect(db.prepare('SELECT id FROM memories ORDER BY id').pluck().all()).toEqual([
      ids.party,
      ids.backup,
      ids.cafe,
    ]);
    expect(
      db.prepare('SELECT memory_id, tag FROM memory_tags ORDER BY memory_id, tag').all(),
    ).toEqual([
      { memory_id: ids.party, tag: 'party' },
      { memory_id: ids.party, tag: 'team' },
      { memory_id: ids.backup, tag: 'ops' },
    ]);
    expect(db.prepare('SELECT id FROM revisions ORDER BY id').pluck().all()).toEqual([
      '01JGZ0000000000000000000R1',
      '01JGZ0000000000000000000R2',
      '01JGZ0000000000000000000R3',
      '01JGZ0000000000000000000R4',
      '01JGZ0000000000000000000R5',
      '01JGZ0000000000000000000R6',
    ]);
    expect(
      db.prepare('SELECT id, name, password_hash, is_admin, disabled_at FROM users').all(),
    ).toEqual([
      { id: 'local', name: 'Local user', password_hash: null, is_admin: 0, disabled_at: null },
    ]);
  });

  it('reads old rows through the current store', async () => {
    await expectFixtureReadable(store, 'local');
  });

  it('recognizes old content as a duplicate', async () => {
    const result = await addMemory(store, {
      content: '  Release party 🎉\non Friday ',
      context: 'default',
    });
    expect(result.created).toBe(false);
    expect(result.memory.id).toBe(ids.party);
  });

  it('exports and imports the old memories', async () => {
    const exported: string[] = [];
    for await (const line of exportMemories(store)) {
      exported.push(line);
    }
    const exportFile = join(directory.path, 'export.jsonl');
    writeFileSync(exportFile, exported.map((line) => `${line}\n`).join(''));

    const target = temporaryStore();
    try {
      const readLines = () =>
        createInterface({ input: createReadStream(exportFile), crlfDelay: Infinity });
      const first = await importMemories(target.store, readLines());
      expect(first).toEqual({ lines: 3, added: 3, duplicate: 0, rejected: 0, rejects: [] });

      const imported = await listMemories(target.store, {});
      // Every field carries over, except the version, which restarts at 1 in a file with no history.
      const [party, backup, cafe] = expectedMemories('local');
      expect(imported.items).toEqual(
        [cafe, backup, party].map((memory) => ({ ...memory, version: 1 })),
      );
      expect(await searchIds(target.store, '备份')).toEqual([ids.backup]);

      const second = await importMemories(target.store, readLines());
      expect(second).toEqual({ lines: 3, added: 0, duplicate: 3, rejected: 0, rejects: [] });
      expect((await listMemories(target.store, {})).items).toEqual(imported.items);
    } finally {
      await target.cleanup();
    }
  });

  it('keeps the search index in step after an edit', async () => {
    await store.update(ids.cafe, { content: 'Espresso near the office' });
    expect(await searchIds(store, 'lait')).toEqual([]);
    expect(await searchIds(store, 'espresso')).toEqual([ids.cafe]);
    expect(await searchIds(store, 'office')).toEqual([ids.cafe]);
  });
});

describe('upgrade from the first PostgreSQL schema', () => {
  const name = `mem0_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  let database: PostgresDatabase;
  let appliedByUpgrade: string[];

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    database = new PostgresDatabase(url.toString());
    const pool = database.pool;

    await migratePostgres(pool, [firstPostgres!]);

    // The first schema has users but no api_keys, sessions or password columns. Those arrive
    // in 0002_accounts, which must leave the users and their memories as they were.
    await pool.query(
      `INSERT INTO users (id, email, name, created_at) VALUES
         ('alice', 'alice@example.com', 'Alice Ñandú', '2026-01-01T00:00:00.000Z'),
         ('bob', 'bob@example.com', NULL, '2026-01-02T00:00:00.000Z')`,
    );
    await pool.query(
      `INSERT INTO contexts (id, name, owner_id, created_at) VALUES
         ('ctx-default', 'default', 'alice', '2026-01-01T00:00:00.000Z'),
         ('ctx-work', 'work', 'alice', '2026-01-04T00:00:00.000Z'),
         ('ctx-bob', 'default', 'bob', '2026-01-02T00:00:00.000Z')`,
    );
    for (const { sql, params } of fixtureInserts(
      { default: 'ctx-default', work: 'ctx-work' },
      'alice',
    )) {
      await pool.query(numberedPlaceholders(sql), params);
    }

    appliedByUpgrade = await database.migrate();
  });

  afterAll(async () => {
    // The forced drop can end a connection the pool still holds, and the pool reports that as an error.
    database.pool.on('error', () => undefined);
    await database.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('applies every later migration', async () => {
    expect(appliedByUpgrade).toEqual(postgresMigrations.slice(1).map((m) => m.name));
    const { rows } = await database.pool.query('SELECT name FROM "_mem0_migrations" ORDER BY name');
    expect(rows.map((row) => row.name)).toEqual(postgresMigrations.map((m) => m.name));
    await expect(database.ready()).resolves.toBeUndefined();
  });

  it('keeps users and their memories', async () => {
    const accounts = new PostgresAccountRepository(database.pool);
    expect(await accounts.findUserByEmail('alice@example.com')).toEqual({
      id: 'alice',
      email: 'alice@example.com',
      name: 'Alice Ñandú',
      passwordHash: null,
      isAdmin: false,
      disabledAt: null,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(await accounts.findUserById('bob')).toMatchObject({
      email: 'bob@example.com',
      name: null,
    });

    const { rows } = await database.pool.query(
      'SELECT m.id, m.author_id, c.owner_id FROM memories m JOIN contexts c ON c.id = m.context_id ORDER BY m.id',
    );
    expect(rows).toEqual([
      { id: ids.party, author_id: 'alice', owner_id: 'alice' },
      { id: ids.backup, author_id: 'alice', owner_id: 'alice' },
      { id: ids.cafe, author_id: 'alice', owner_id: 'alice' },
    ]);
    expect((await listMemories(database.storeFor('bob'), {})).items).toEqual([]);
  });

  it('reads old rows through the current store', async () => {
    await expectFixtureReadable(database.storeFor('alice'), 'alice');
  });

  it('accepts an API key for an old user', async () => {
    const accounts = new PostgresAccountRepository(database.pool);
    const key = await accounts.createApiKey({
      userId: 'alice',
      name: 'laptop',
      prefix: 'm0_abcd',
      keyHash: 'hash-of-key-1',
      scope: 'read',
      createdAt: '2026-02-01T00:00:00.000Z',
      expiresAt: null,
    });
    expect(await accounts.listApiKeys('alice')).toEqual([key]);
    expect(key).toMatchObject({ userId: 'alice', name: 'laptop', scope: 'read' });
  });
});

import {
  addMemory,
  createContext,
  deleteMemory,
  exportMemories,
  getMemory,
  importMemories,
  listContexts,
  listMemories,
  memoryHistory,
  type MemoryStore,
  newId,
  searchMemories,
  updateMemory,
} from '@memzero/core';

import { PostgresDatabase } from '../src/postgres/index.js';
import { temporaryStore } from './helpers.js';
import { temporaryPostgres } from './postgres-helpers.js';

async function* linesOf(values: object[]): AsyncIterable<string> {
  for (const value of values) {
    yield JSON.stringify(value);
  }
}

const special: Record<string, string> = {
  staging: 'The staging database is reset every Sunday at 02:00 UTC',
  cpp: 'Build the C++ engine with clang and -O2; foo::bar is the entry point',
  flags: 'Pass --flag to the deploy script; the old -f form is gone',
  quote: "Don't use a'b style keys; the parser's quoting is strict",
  url: 'Runbook: https://wiki.example.com/ops/runbook?section=backup#restore',
  cafe: 'Le café près du bureau ouvre à 8h',
  chinese: '数据库每周日凌晨两点备份',
  japanese: '東京の日本語テキスト検索は難しい',
  korean: '데이터베이스 백업은 일요일에 합니다',
  emoji: 'Release party 🎉 on Friday',
  operators: 'Words like AND, OR, NOT and NEAR are just words here',
};

// A vocabulary whose words occur with falling frequency, so that the corpus has common,
// middling and rare words: "alpha" is in nearly every memory, the last words in a few.
const vocabulary = [
  'alpha',
  'beta',
  'gamma',
  'delta',
  'deploy',
  'database',
  'backup',
  'staging',
  'cache',
  'queue',
  'worker',
  'token',
  'schema',
  'index',
  'migration',
  'latency',
  'replica',
  'shard',
  'cluster',
  'tenant',
];

/** A deterministic generator, so both stores and every run see the same corpus. */
function generator(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function corpus(size: number): object[] {
  const random = generator(7);
  const records: object[] = [];
  for (let i = 0; i < size; i++) {
    const words: string[] = [];
    const length = 3 + Math.floor(random() * 12);
    for (let w = 0; w < length; w++) {
      // Squaring skews the choice toward the start of the vocabulary.
      words.push(vocabulary[Math.floor(random() ** 2 * vocabulary.length)]!);
    }
    records.push({
      id: `01J${String(i).padStart(23, '0')}`,
      content: `${words.join(' ')} note ${i}`,
      context: i % 3 === 0 ? 'ops' : 'default',
      tags: i % 5 === 0 ? ['five'] : [],
      metadata: { n: i, even: i % 2 === 0 },
      createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    });
  }
  Object.entries(special).forEach(([key, content], index) => {
    records.push({
      id: `01K${String(index).padStart(23, '0')}`,
      content,
      context: key === 'staging' ? 'ops' : 'default',
      createdAt: new Date(Date.UTC(2026, 1, 1) + index * 60_000).toISOString(),
    });
  });
  return records;
}

const hostileQueries = [
  '(',
  ')',
  '*',
  '"',
  '""',
  "'",
  '-',
  '--',
  'NOT',
  'OR',
  'AND',
  'a AND',
  '^',
  ':',
  'col:',
  '{',
  'NEAR(',
  '"unbalanced',
  '\\',
  '%',
  '_',
  '\u0000',
  '🙈🙉',
  '😀'.repeat(50),
  "it's",
  'a:* & b',
  '!alpha',
  'alpha | beta',
  '<->',
];

describe('PostgreSQL store next to the SQLite store', () => {
  let postgres: Awaited<ReturnType<typeof temporaryPostgres>>;
  let sqlite: ReturnType<typeof temporaryStore>;
  let pgStore: MemoryStore;

  beforeAll(async () => {
    postgres = await temporaryPostgres();
    await postgres.createUser('local');
    pgStore = postgres.database.storeFor('local');
    sqlite = temporaryStore();

    const records = corpus(1_500);
    const fromSqlite = await importMemories(sqlite.store, linesOf(records));
    const fromPostgres = await importMemories(pgStore, linesOf(records));
    expect(fromPostgres).toEqual(fromSqlite);
  }, 60_000);

  afterAll(async () => {
    await sqlite.cleanup();
    await postgres.drop();
  });

  const both = async (query: string, extra: object = {}) => {
    const request = { query, limit: 10, ...extra };
    const [onSqlite, onPostgres] = await Promise.all([
      searchMemories(sqlite.store, request),
      searchMemories(pgStore, request),
    ]);
    return { onSqlite: onSqlite.items, onPostgres: onPostgres.items };
  };

  it.each([
    ['a rare word', 'tenant'],
    ['a middling word', 'cache'],
    ['a common word', 'alpha'],
    ['only common words', 'alpha beta'],
    ['common and rare words', 'alpha shard tenant'],
    ['a prefix', 'migr'],
    ['a question', 'when is staging reset'],
    ['accents', 'CAFÉ'],
    ['Chinese', '数据库'],
    ['an emoji', '🎉'],
    ['a number', 'note 42'],
  ])('give the same results for %s', async (_name, query) => {
    const { onSqlite, onPostgres } = await both(query);

    expect(onPostgres.map((hit) => hit.id)).toEqual(onSqlite.map((hit) => hit.id));
    expect(onPostgres.map((hit) => hit.snippet)).toEqual(onSqlite.map((hit) => hit.snippet));
    onPostgres.forEach((hit, index) => {
      expect(hit.score).toBeCloseTo(onSqlite[index]!.score, 4);
    });
  });

  it('give the same results with filters', async () => {
    const { onSqlite, onPostgres } = await both('cache worker', {
      context: 'ops',
      tags: ['five'],
      metadata: { even: true },
      createdAfter: '2026-01-01T05:00:00.000Z',
    });

    expect(onSqlite.length).toBeGreaterThan(0);
    expect(onPostgres.map((hit) => hit.id)).toEqual(onSqlite.map((hit) => hit.id));
  });

  it('page the same way', async () => {
    const pages = async (store: MemoryStore) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await searchMemories(store, { query: 'tenant shard', limit: 7, cursor });
        ids.push(...page.items.map((hit) => hit.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return ids;
    };

    const onPostgres = await pages(pgStore);
    expect(onPostgres.length).toBeGreaterThan(7);
    expect(onPostgres).toEqual(await pages(sqlite.store));
  });

  it.each(Object.entries(special))('find the %s memory', async (key, content) => {
    const words = content.split(/\s+/).slice(0, 2).join(' ');
    const { onSqlite, onPostgres } = await both(words);

    expect(onPostgres.map((hit) => hit.content)).toContain(content);
    expect(onPostgres.map((hit) => hit.id)).toEqual(onSqlite.map((hit) => hit.id));
    expect(key).toBeTruthy();
  });

  it.each(hostileQueries)('accept the hostile query %j alike', async (query) => {
    const { onSqlite, onPostgres } = await both(query);

    expect(onPostgres.map((hit) => hit.id)).toEqual(onSqlite.map((hit) => hit.id));
  });

  it('list the same contexts', async () => {
    // Creation times differ: each store made its contexts when the import reached them.
    const withoutTimes = (contexts: Awaited<ReturnType<typeof listContexts>>) =>
      contexts.map(({ createdAt: _createdAt, ...rest }) => rest);
    expect(withoutTimes(await listContexts(pgStore))).toEqual(
      withoutTimes(await listContexts(sqlite.store)),
    );
  });

  it('list the same pages', async () => {
    const request = { limit: 25, tags: ['five'] };
    const onPostgres = await listMemories(pgStore, request);
    const onSqlite = await listMemories(sqlite.store, request);

    expect(onPostgres.items.map((memory) => memory.id)).toEqual(
      onSqlite.items.map((memory) => memory.id),
    );
    const second = { ...request, cursor: onPostgres.nextCursor! };
    expect((await listMemories(pgStore, second)).items.map((memory) => memory.id)).toEqual(
      (await listMemories(sqlite.store, second)).items.map((memory) => memory.id),
    );
  });
});

describe('PostgreSQL store', () => {
  let postgres: Awaited<ReturnType<typeof temporaryPostgres>>;
  let store: MemoryStore;
  let other: MemoryStore;

  beforeAll(async () => {
    postgres = await temporaryPostgres();
    await postgres.createUser('ada');
    await postgres.createUser('bob');
    store = postgres.database.storeFor('ada');
    other = postgres.database.storeFor('bob');
  });

  afterAll(async () => {
    await postgres.drop();
  });

  it('keeps a memory through its whole life', async () => {
    const added = await addMemory(store, {
      content: 'Rotate the signing keys every quarter',
      context: 'security',
      tags: ['keys', 'ops'],
      metadata: { owner: 'ada', level: 2 },
    });
    expect(added.created).toBe(true);
    expect(added.memory).toMatchObject({ version: 1, context: 'security', tags: ['keys', 'ops'] });
    expect(added.memory.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const again = await addMemory(store, {
      content: '  Rotate the signing   keys every quarter ',
      context: 'security',
    });
    expect(again).toEqual({ memory: added.memory, created: false });

    const updated = await updateMemory(store, added.memory.id, {
      content: 'Rotate the signing keys every month',
      tags: ['keys'],
    });
    expect(updated.version).toBe(2);
    expect(await getMemory(store, added.memory.id)).toEqual(updated);

    const hits = await searchMemories(store, { query: 'month', limit: 5 });
    expect(hits.items.map((hit) => hit.id)).toEqual([added.memory.id]);
    expect((await searchMemories(store, { query: 'quarter', limit: 5 })).items).toEqual([]);

    await deleteMemory(store, added.memory.id);
    await expect(getMemory(store, added.memory.id)).rejects.toMatchObject({ code: 'not_found' });
    expect((await searchMemories(store, { query: 'month', limit: 5 })).items).toEqual([]);

    const history = await memoryHistory(store, added.memory.id);
    expect(history.map((revision) => revision.operation)).toEqual(['create', 'update', 'delete']);
    expect(history[0]!.content).toBe('Rotate the signing keys every quarter');
  });

  it('stores and finds words longer than a lexeme', async () => {
    // PostgreSQL refuses lexemes over 2,047 bytes, and a long token or data URL is one word.
    const token = `tok${'A'.repeat(3_000)}`;
    const hangul = '한'.repeat(700);
    const long = await addMemory(store, { content: `token: ${token}`, context: 'long-words' });
    const korean = await addMemory(store, { content: hangul, context: 'long-words' });

    const byWord = await searchMemories(store, { query: 'token', context: 'long-words' });
    expect(byWord.items.map((hit) => hit.id)).toEqual([long.memory.id]);
    // 700 syllables of 3 bytes each make one 2,100-byte word in the query too.
    const byLongWord = await searchMemories(store, { query: hangul, context: 'long-words' });
    expect(byLongWord.items.map((hit) => hit.id)).toEqual([korean.memory.id]);

    const updated = await updateMemory(store, long.memory.id, { content: `new ${token}B` });
    expect(updated.version).toBe(2);
  });

  it('rejects an update onto a duplicate', async () => {
    const first = await addMemory(store, { content: 'first text' });
    await addMemory(store, { content: 'second text' });

    await expect(
      updateMemory(store, first.memory.id, { content: 'second text' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect((await getMemory(store, first.memory.id)).content).toBe('first text');
  });

  it('rejects a stale expected version', async () => {
    const added = await addMemory(store, { content: 'versioned text' });
    await updateMemory(store, added.memory.id, { content: 'versioned text 2' });

    await expect(
      updateMemory(store, added.memory.id, { content: 'versioned text 3', expectedVersion: 1 }),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('hides one user from another', async () => {
    const mine = await addMemory(store, { content: 'ada private plan zebra' });
    const id = mine.memory.id;

    await expect(getMemory(other, id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(updateMemory(other, id, { content: 'taken' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(deleteMemory(other, id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(memoryHistory(other, id)).rejects.toMatchObject({ code: 'not_found' });
    expect((await searchMemories(other, { query: 'zebra', limit: 5 })).items).toEqual([]);
    expect((await listMemories(other, { limit: 100 })).items).toEqual([]);
    await expect(listMemories(other, { limit: 5, context: 'default' })).rejects.toMatchObject({
      code: 'not_found',
    });

    expect((await getMemory(store, id)).content).toBe('ada private plan zebra');
  });

  it('rejects an import of an id that another user holds', async () => {
    const mine = await addMemory(store, { content: 'ada owns this id' });
    const summary = await importMemories(
      other,
      linesOf([
        { id: mine.memory.id, content: 'bob wants it' },
        { id: newId(), content: 'bob keeps this' },
      ]),
    );

    expect(summary).toMatchObject({ added: 1, rejected: 1 });
    expect((await getMemory(store, mine.memory.id)).content).toBe('ada owns this id');
  });

  it('stores one memory when the same text is added at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => addMemory(store, { content: 'raced text', context: 'race' })),
    );

    const ids = new Set(results.map((result) => result.memory.id));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
  });

  it('treats an expired memory as gone', async () => {
    let clock = Date.now();
    const database = new PostgresDatabase(postgres.url, { now: () => clock });
    const timed = database.storeFor('ada');

    const added = await addMemory(timed, {
      content: 'expiring text',
      expiresAt: new Date(clock + 60_000).toISOString(),
    });
    clock += 120_000;

    await expect(getMemory(timed, added.memory.id)).rejects.toMatchObject({ code: 'not_found' });
    const again = await addMemory(timed, { content: 'expiring text' });
    expect(again.created).toBe(true);
    await database.close();
  });

  it('exports every memory of one user', async () => {
    const exported: string[] = [];
    for await (const line of exportMemories(other, {})) {
      exported.push((JSON.parse(line) as { content: string }).content);
    }
    expect(exported).toEqual(['bob keeps this']);
  });

  it.each(['sqlite', 'postgres'])('creates an empty context once on %s', async (backend) => {
    const local = temporaryStore();
    const target = backend === 'sqlite' ? local.store : store;
    try {
      const created = await createContext(target, { name: 'Plans' });
      expect(created).toMatchObject({ name: 'plans', memoryCount: 0, lastUpdatedAt: null });
      expect((await listContexts(target)).map((context) => context.name)).toContain('plans');
      await expect(createContext(target, { name: 'plans' })).rejects.toMatchObject({
        code: 'conflict',
      });
      await expect(createContext(target, { name: '../x' })).rejects.toMatchObject({
        code: 'validation_failed',
      });
    } finally {
      await local.cleanup();
    }
  });

  it('matches metadata by type', async () => {
    await addMemory(store, { content: 'typed one', metadata: { n: 1, s: '1', b: true } });

    const byNumber = await listMemories(store, { limit: 10, metadata: { n: 1 } });
    const byString = await listMemories(store, { limit: 10, metadata: { n: '1' } });
    const byBoolean = await listMemories(store, { limit: 10, metadata: { b: true } });

    expect(byNumber.items.map((memory) => memory.content)).toEqual(['typed one']);
    expect(byString.items).toEqual([]);
    expect(byBoolean.items.map((memory) => memory.content)).toEqual(['typed one']);
  });
});

describe('PostgreSQL store without a server', () => {
  it('reports the database as unavailable', async () => {
    // Port 1 on the loopback address has no server, so the connection is refused at once.
    const database = new PostgresDatabase('postgresql://postgres@127.0.0.1:1/none', {
      connectionTimeoutMs: 2_000,
    });
    try {
      await expect(
        searchMemories(database.storeFor('ada'), { query: 'x', limit: 1 }),
      ).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(database.ready()).rejects.toMatchObject({ code: 'store_unavailable' });
    } finally {
      await database.close();
    }
  });
});

import {
  addMemory,
  deleteMemory,
  importMemories,
  searchMemories,
  type SearchHit,
  updateMemory,
} from '@memzero/core';

import { temporaryStore } from './helpers.js';

async function* linesOf(values: object[]): AsyncIterable<string> {
  for (const value of values) {
    yield JSON.stringify(value);
  }
}

describe('SQLite search', () => {
  let context: ReturnType<typeof temporaryStore>;
  const ids: Record<string, string> = {};

  const corpus: Record<string, string> = {
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

  const idsOf = (hits: SearchHit[]) => hits.map((hit) => hit.id);
  const search = async (query: string, extra: object = {}) =>
    (await searchMemories(context.store, { query, limit: 20, ...extra })).items;

  beforeAll(async () => {
    context = temporaryStore();
    for (const [key, content] of Object.entries(corpus)) {
      ids[key] = (
        await addMemory(context.store, { content, context: key === 'staging' ? 'ops' : 'default' })
      ).memory.id;
    }
  });

  afterAll(async () => {
    await context.cleanup();
  });

  it('finds the staging note from a question', async () => {
    const hits = await search('when is staging reset');
    expect(hits[0]?.id).toBe(ids.staging);
    expect(hits[0]?.snippet).toContain('**staging**');
    expect(hits[0]?.score).toBeGreaterThan(0);
  });

  it.each([
    ['C++', 'cpp'],
    ['foo::bar', 'cpp'],
    ['--flag', 'flags'],
    ["a'b", 'quote'],
    ['https://wiki.example.com/ops/runbook', 'url'],
    ['cafe', 'cafe'],
    ['CAFÉ', 'cafe'],
    ['数据库', 'chinese'],
    ['備份 备份', 'chinese'],
    ['日本語', 'japanese'],
    ['데이터베이스', 'korean'],
    ['🎉', 'emoji'],
    ['NEAR', 'operators'],
    ['NOT', 'operators'],
    ['"AND"', 'operators'],
  ])('finds %j', async (query, key) => {
    expect(idsOf(await search(query))).toContain(ids[key]);
  });

  it.each([
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
  ])('accepts the hostile query %j', async (query) => {
    const hits = await search(query);
    expect(Array.isArray(hits)).toBe(true);
  });

  it('rejects a blank query', async () => {
    await expect(search('   ')).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('filters by context', async () => {
    expect(idsOf(await search('staging database', { context: 'ops' }))).toEqual([ids.staging]);
    expect(idsOf(await search('staging', { context: 'default' }))).toEqual([]);
  });

  it('ranks documents with more matching words first', async () => {
    const hits = await search('staging database sunday');
    expect(hits[0]?.id).toBe(ids.staging);
    const scores = hits.map((hit) => hit.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('pages ranked results with a cursor', async () => {
    const first = await searchMemories(context.store, { query: 'the is', limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await searchMemories(context.store, {
      query: 'the is',
      limit: 2,
      cursor: first.nextCursor!,
    });
    expect(idsOf(second.items)).not.toEqual(expect.arrayContaining(idsOf(first.items)));
  });

  it('rejects a cursor from another search', async () => {
    const first = await searchMemories(context.store, { query: 'the is', limit: 1 });
    await expect(
      searchMemories(context.store, { query: 'other words', limit: 1, cursor: first.nextCursor! }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

describe('FTS index consistency', () => {
  let context: ReturnType<typeof temporaryStore>;

  beforeEach(() => {
    context = temporaryStore();
  });

  afterEach(async () => {
    await context.cleanup();
  });

  const integrity = () =>
    context.store.database
      .prepare("INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 1)")
      .run();
  const found = async (query: string) =>
    (await searchMemories(context.store, { query })).items.map((hit) => hit.id);

  it('follows an update', async () => {
    const { memory } = await addMemory(context.store, { content: 'alpha bravo' });
    await updateMemory(context.store, memory.id, { content: 'charlie delta' });
    expect(await found('alpha')).toEqual([]);
    expect(await found('charlie')).toEqual([memory.id]);
    expect(integrity).not.toThrow();
  });

  it('follows a delete', async () => {
    const { memory } = await addMemory(context.store, { content: 'echo foxtrot' });
    await deleteMemory(context.store, memory.id);
    expect(await found('echo')).toEqual([]);
    expect(integrity).not.toThrow();
  });

  it('follows an import, twice', async () => {
    const records = Array.from({ length: 50 }, (_, i) => ({
      content: `imported golf ${i}`,
      context: 'bulk',
    }));
    const first = await importMemories(context.store, linesOf(records), { batchSize: 7 });
    const second = await importMemories(context.store, linesOf(records), { batchSize: 7 });

    expect(first).toMatchObject({ added: 50, duplicate: 0, rejected: 0 });
    expect(second).toMatchObject({ added: 0, duplicate: 50, rejected: 0 });
    expect((await searchMemories(context.store, { query: 'golf', limit: 100 })).items).toHaveLength(
      50,
    );
    expect(context.store.database.prepare('SELECT count(*) FROM memories_fts').pluck().get()).toBe(
      50,
    );
    expect(integrity).not.toThrow();
  });

  it('rolls back a rejected record in an import', async () => {
    const summary = await importMemories(
      context.store,
      (async function* () {
        yield JSON.stringify({ content: 'hotel ok' });
        yield '{not json';
        yield JSON.stringify({ content: 'india', tags: ['bad tag'] });
        yield JSON.stringify({ id: 'not-an-id', content: 'juliet' });
        yield '';
        yield JSON.stringify({ content: 'kilo ok' });
      })(),
    );

    expect(summary).toMatchObject({ lines: 6, added: 2, duplicate: 0, rejected: 3 });
    expect(summary.rejects.map((reject) => reject.line)).toEqual([2, 3, 4]);
    expect(await found('india')).toEqual([]);
    expect(integrity).not.toThrow();
  });

  it('keeps ids and timestamps from an import', async () => {
    const record = {
      id: '01JF8ZP6V7G1WQK3M4N5R6S7T8',
      content: 'lima',
      createdAt: '2025-01-02T03:04:05.678Z',
      updatedAt: '2025-02-03T04:05:06.789Z',
    };
    await importMemories(context.store, linesOf([record]));
    const [hit] = (await searchMemories(context.store, { query: 'lima' })).items;
    expect(hit).toMatchObject(record);
  });
});

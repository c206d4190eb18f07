import { importMemories, searchMemories } from '@memzero/core';

import { temporaryStore } from './helpers.js';

async function* lines(count: number, make: (index: number) => object): AsyncIterable<string> {
  for (let i = 0; i < count; i++) {
    yield JSON.stringify(make(i));
  }
}

describe('search over common words', () => {
  let context: ReturnType<typeof temporaryStore>;

  beforeAll(async () => {
    context = temporaryStore();
    // 2,000 memories share "common" (more than the 1,000-memory floor for a common word), and
    // ten of them, the newest 1999 among them, hold "rare" instead of "theme". Creation times
    // grow with the index.
    await importMemories(
      context.store,
      lines(2_000, (i) => ({
        content: i % 200 === 199 ? `rare common note ${i}` : `common note ${i} theme`,
        createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      })),
    );
  });

  afterAll(async () => {
    await context.cleanup();
  });

  const search = async (query: string, limit = 10) =>
    (await searchMemories(context.store, { query, limit })).items.map((hit) => hit.content);

  it('ranks by the distinctive word', async () => {
    const hits = await search('rare common');
    expect(hits).toHaveLength(10);
    for (const content of hits) {
      expect(content).toMatch(/^rare common/);
    }
  });

  it('lists the newest for common words only', async () => {
    const hits = await search('common note', 3);
    expect(hits).toEqual([
      'rare common note 1999',
      'common note 1998 theme',
      'common note 1997 theme',
    ]);
  });

  it('requires every common word', async () => {
    // "rare common note 1999", the newest, has "note" but not "theme", so it must not appear.
    const hits = await search('note theme', 100);
    expect(hits).toHaveLength(100);
    expect(hits[0]).toBe('common note 1998 theme');
    expect(hits.some((content) => content.startsWith('rare'))).toBe(false);
  });

  it('uses the exact word for a common prefix', async () => {
    // "the" is in no memory, but "theme" is in most: the prefix is common, the word absent,
    // so the prefix is kept and finds "theme".
    expect(await search('the', 1)).toEqual(['common note 1998 theme']);
  });

  it('skips words that no memory holds', async () => {
    const hits = await search('absentword rare');
    expect(hits).toHaveLength(10);
  });
});

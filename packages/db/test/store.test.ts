import {
  addMemory,
  deleteMemory,
  getMemory,
  listContexts,
  listMemories,
  Mem0Error,
  memoryHistory,
  updateMemory,
} from '@memzero/core';

import { temporaryStore } from './helpers.js';

function codeOf(error: unknown): string | undefined {
  return error instanceof Mem0Error ? error.code : undefined;
}

describe('SqliteStore', () => {
  let context: ReturnType<typeof temporaryStore>;
  let clock: number;

  beforeEach(() => {
    clock = Date.parse('2026-03-01T10:00:00Z');
    context = temporaryStore({ now: () => clock });
  });

  afterEach(async () => {
    await context.cleanup();
  });

  it('adds and gets a memory', async () => {
    const { memory, created } = await addMemory(context.store, {
      content: 'Use pnpm, not npm',
      context: 'Repo',
      tags: ['Tooling'],
      metadata: { priority: 2 },
    });
    expect(created).toBe(true);
    expect(memory).toMatchObject({
      content: 'Use pnpm, not npm',
      context: 'repo',
      tags: ['tooling'],
      metadata: { priority: 2 },
      source: 'cli',
      authorId: 'local',
      version: 1,
      createdAt: '2026-03-01T10:00:00.000Z',
    });
    expect(await getMemory(context.store, memory.id)).toEqual(memory);
  });

  it('rejects team and shared context names', async () => {
    for (const name of ['acme/plans', 'ana@example.com/notes']) {
      const adding = addMemory(context.store, { content: 'x', context: name });
      await expect(adding).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(adding).rejects.toThrow(/exist only on a team server/);
      const listing = listMemories(context.store, { context: name });
      await expect(listing).rejects.toMatchObject({ code: 'invalid_argument' });
    }
    const names = (await listContexts(context.store)).map((summary) => summary.name);
    expect(names).toEqual(['default']);
  });

  it('lists its contexts as owned with manage permission', async () => {
    await addMemory(context.store, { content: 'x', context: 'notes' });
    const notes = (await listContexts(context.store)).find((summary) => summary.name === 'notes');
    expect(notes).toMatchObject({
      name: 'notes',
      owner: { type: 'self', name: null },
      permission: 'manage',
    });
  });

  it('returns the existing memory for a duplicate', async () => {
    const first = await addMemory(context.store, { content: 'Café  opens at 9' });
    const second = await addMemory(context.store, { content: ' Cafe\u0301 opens\nat 9 ' });
    expect(second.created).toBe(false);
    expect(second.memory.id).toBe(first.memory.id);
    expect(second.memory.content).toBe('Café  opens at 9');
  });

  it('allows the same content in another context', async () => {
    const first = await addMemory(context.store, { content: 'same', context: 'a' });
    const second = await addMemory(context.store, { content: 'same', context: 'b' });
    expect(second.created).toBe(true);
    expect(second.memory.id).not.toBe(first.memory.id);
  });

  it('updates with a new version and keeps history', async () => {
    const { memory } = await addMemory(context.store, { content: 'v1', tags: ['a'] });
    clock += 1000;
    const updated = await updateMemory(context.store, memory.id, {
      content: 'v2',
      tags: ['b', 'c'],
    });
    expect(updated.version).toBe(2);
    expect(updated.content).toBe('v2');
    expect(updated.tags).toEqual(['b', 'c']);
    expect(updated.updatedAt).toBe('2026-03-01T10:00:01.000Z');
    expect(updated.createdAt).toBe(memory.createdAt);

    const history = await memoryHistory(context.store, memory.id);
    expect(
      history.map((revision) => [revision.version, revision.operation, revision.content]),
    ).toEqual([
      [1, 'create', 'v1'],
      [2, 'update', 'v2'],
    ]);
    expect(history[0]!.tags).toEqual(['a']);
  });

  it('moves a memory to another context', async () => {
    const { memory } = await addMemory(context.store, { content: 'move me' });
    const moved = await updateMemory(context.store, memory.id, { context: 'elsewhere' });
    expect(moved.context).toBe('elsewhere');
  });

  it('rejects an update that duplicates another memory', async () => {
    await addMemory(context.store, { content: 'one' });
    const { memory } = await addMemory(context.store, { content: 'two' });
    const error = await updateMemory(context.store, memory.id, { content: 'one' }).catch((e) => e);
    expect(codeOf(error)).toBe('conflict');
    expect((await getMemory(context.store, memory.id)).content).toBe('two');
  });

  it('rejects an update at a stale version', async () => {
    const { memory } = await addMemory(context.store, { content: 'v1' });
    await updateMemory(context.store, memory.id, { content: 'v2' });
    const error = await updateMemory(context.store, memory.id, {
      content: 'v3',
      expectedVersion: 1,
    }).catch((e) => e);
    expect(codeOf(error)).toBe('conflict');
  });

  it('keeps the version when nothing changes', async () => {
    const { memory } = await addMemory(context.store, { content: 'same', tags: ['x'] });
    const result = await updateMemory(context.store, memory.id, { content: 'same', tags: ['x'] });
    expect(result.version).toBe(1);
    expect(await memoryHistory(context.store, memory.id)).toHaveLength(1);
  });

  it('deletes a memory and keeps its history', async () => {
    const { memory } = await addMemory(context.store, { content: 'gone soon' });
    const deleted = await deleteMemory(context.store, memory.id);
    expect(deleted.id).toBe(memory.id);

    const error = await getMemory(context.store, memory.id).catch((e) => e);
    expect(codeOf(error)).toBe('not_found');
    const history = await memoryHistory(context.store, memory.id);
    expect(history.map((revision) => revision.operation)).toEqual(['create', 'delete']);
    expect(history[1]!.content).toBe('gone soon');
    expect(context.store.database.prepare('SELECT count(*) FROM memory_tags').pluck().get()).toBe(
      0,
    );
  });

  it.each(['get', 'update', 'delete', 'history'] as const)(
    'reports a missing id on %s',
    async (operation) => {
      const id = '01JF8ZP6V7G1WQK3M4N5R6S7T8';
      const calls = {
        get: () => getMemory(context.store, id),
        update: () => updateMemory(context.store, id, { content: 'x' }),
        delete: () => deleteMemory(context.store, id),
        history: () => memoryHistory(context.store, id),
      };
      const error = await calls[operation]().catch((e) => e);
      expect(codeOf(error)).toBe('not_found');
    },
  );

  it('hides expired memories and lets their content be added again', async () => {
    // Expiries are checked against the real clock when set, so this test starts from it.
    clock = Date.now();
    const expiresAt = new Date(clock + 3_600_000).toISOString();
    const { memory } = await addMemory(context.store, { content: 'temporary', expiresAt });
    expect((await getMemory(context.store, memory.id)).expiresAt).toBe(expiresAt);

    clock += 2 * 3_600_000;
    expect(codeOf(await getMemory(context.store, memory.id).catch((e) => e))).toBe('not_found');
    expect((await listMemories(context.store, {})).items).toHaveLength(0);

    const again = await addMemory(context.store, { content: 'temporary' });
    expect(again.created).toBe(true);
    expect(again.memory.id).not.toBe(memory.id);
    const history = await memoryHistory(context.store, memory.id);
    expect(history.map((revision) => revision.operation)).toEqual(['create', 'delete']);
  });

  it('rejects an expiry in the past', async () => {
    const error = await addMemory(context.store, {
      content: 'x',
      expiresAt: '2000-01-01T00:00:00Z',
    }).catch((e) => e);
    expect(codeOf(error)).toBe('validation_failed');
    expect((error as Error).message).toMatch(/in the past/);
    expect((await listMemories(context.store, {})).items).toHaveLength(0);
  });

  it('pages through a list with cursors', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      clock += 1000;
      ids.push((await addMemory(context.store, { content: `memory ${i}` })).memory.id);
    }

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listMemories(context.store, { limit: 3, cursor });
      seen.push(...page.items.map((memory) => memory.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    expect(seen).toEqual([...ids].reverse());
  });

  it('filters a list by context, tags, metadata and time', async () => {
    await addMemory(context.store, {
      content: 'a',
      context: 'ops',
      tags: ['db', 'prod'],
      metadata: { level: 2 },
    });
    clock += 60_000;
    await addMemory(context.store, {
      content: 'b',
      context: 'ops',
      tags: ['db'],
      metadata: { level: '2' },
    });
    clock += 60_000;
    await addMemory(context.store, {
      content: 'c',
      context: 'dev',
      tags: ['db'],
      metadata: { level: true },
    });

    const contents = async (request: object) =>
      (await listMemories(context.store, request)).items.map((memory) => memory.content).sort();

    expect(await contents({ context: 'ops' })).toEqual(['a', 'b']);
    expect(await contents({ tags: ['db', 'prod'] })).toEqual(['a']);
    expect(await contents({ metadata: { level: 2 } })).toEqual(['a']);
    expect(await contents({ metadata: { level: '2' } })).toEqual(['b']);
    expect(await contents({ metadata: { level: true } })).toEqual(['c']);
    expect(await contents({ createdAfter: '2026-03-01T10:01:00Z' })).toEqual(['b', 'c']);
    expect(await contents({ createdBefore: '2026-03-01T10:01:00Z' })).toEqual(['a']);
  });

  it('rejects an unknown context filter', async () => {
    const error = await listMemories(context.store, { context: 'nope' }).catch((e) => e);
    expect(codeOf(error)).toBe('not_found');
    expect((error as Error).message).toMatch(/No context named "nope"/);
  });

  it('rejects an empty time range', async () => {
    const error = await listMemories(context.store, {
      createdAfter: '2026-03-02T00:00:00Z',
      createdBefore: '2026-03-01T00:00:00Z',
    }).catch((e) => e);
    expect(codeOf(error)).toBe('invalid_argument');
  });

  it('summarizes contexts', async () => {
    await addMemory(context.store, { content: 'a', context: 'ops' });
    await addMemory(context.store, { content: 'b', context: 'ops' });
    const summaries = await listContexts(context.store);
    expect(summaries.map((summary) => [summary.name, summary.memoryCount])).toEqual([
      ['default', 0],
      ['ops', 2],
    ]);
  });
});

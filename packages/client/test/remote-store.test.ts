import {
  type ImportRecord,
  listRequestSchema,
  Mem0Error,
  type Memory,
  newMemorySchema,
  searchRequestSchema,
} from '@memzero/core';

import { ApiClient, RemoteStore } from '../src/index.js';
import { createKey, registerAccount, startTeamServer, type TeamServer } from './team-server.js';

let team: TeamServer;
let key: string;
let store: RemoteStore;

/** Collect an async iterable into an array. */
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of items) {
    result.push(item);
  }
  return result;
}

/** Run `work` and return the `Mem0Error` it rejects with; fails the test when it resolves. */
async function failure(work: () => Promise<unknown>): Promise<Mem0Error> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(Mem0Error);
    return error as Mem0Error;
  }
  throw new Error('The call resolved, but a rejection was expected.');
}

function record(id: string, content: string, createdAt: string): ImportRecord {
  return {
    id,
    content,
    context: 'imported',
    tags: ['bulk'],
    metadata: { n: 1 },
    source: 'import',
    createdAt,
    updatedAt: createdAt,
    expiresAt: null,
  };
}

beforeAll(async () => {
  team = await startTeamServer();
  const account = await registerAccount(team.directUrl, 'store@example.com');
  key = await createKey(team.directUrl, account.accessToken, 'write');
  store = new RemoteStore(
    new ApiClient({ baseUrl: team.url, credentials: { kind: 'api_key', key } }),
  );
});

afterAll(async () => {
  await team.close();
});

describe('RemoteStore', () => {
  it('adds a memory and reports a duplicate', async () => {
    const first = await store.add(
      newMemorySchema.parse({ content: 'Deploys run on Fridays', tags: ['ops'], context: 'work' }),
    );
    const again = await store.add(
      newMemorySchema.parse({ content: ' Deploys  run on Fridays ', context: 'work' }),
    );

    expect(first.created).toBe(true);
    expect(first.memory.tags).toEqual(['ops']);
    expect(again.created).toBe(false);
    expect(again.memory.id).toBe(first.memory.id);
  });

  it('gets, updates and shows history', async () => {
    const { memory } = await store.add(newMemorySchema.parse({ content: 'first version' }));
    const updated = await store.update(memory.id, { content: 'second version' });
    const fetched = await store.get(memory.id);
    const history = await store.history(memory.id);

    expect(updated.version).toBe(2);
    expect(fetched.content).toBe('second version');
    expect(history.map((revision) => revision.operation)).toEqual(['create', 'update']);
  });

  it('lists with filters and pages', async () => {
    for (const content of ['page one', 'page two', 'page three']) {
      await store.add(newMemorySchema.parse({ content, context: 'paging', metadata: { k: 'v' } }));
    }
    const first = await store.list(listRequestSchema.parse({ context: 'paging', limit: 2 }));
    const second = await store.list(
      listRequestSchema.parse({ context: 'paging', limit: 2, cursor: first.nextCursor }),
    );
    const byMetadata = await store.list(listRequestSchema.parse({ metadata: { k: 'v' } }));

    expect(first.items.map((memory) => memory.content)).toEqual(['page three', 'page two']);
    expect(second.items.map((memory) => memory.content)).toEqual(['page one']);
    expect(second.nextCursor).toBeNull();
    expect(byMetadata.items).toHaveLength(3);
  });

  it('searches', async () => {
    await store.add(newMemorySchema.parse({ content: 'The cache key includes the locale' }));
    const page = await store.search(searchRequestSchema.parse({ query: 'locale cache' }));

    expect(page.items[0]?.content).toBe('The cache key includes the locale');
    expect(page.items[0]?.snippet).toContain('**');
  });

  it('lists and creates contexts', async () => {
    const created = await store.createContext('empty-one');
    const contexts = await store.contexts();
    const error = await failure(() => store.createContext('empty-one'));

    expect(created).toMatchObject({ name: 'empty-one', memoryCount: 0 });
    expect(contexts.map((context) => context.name)).toContain('empty-one');
    expect(error.code).toBe('conflict');
  });

  it('deletes and returns the memory', async () => {
    const { memory } = await store.add(newMemorySchema.parse({ content: 'to be deleted' }));
    const deleted = await store.delete(memory.id);
    const error = await failure(() => store.get(memory.id));

    expect(deleted.id).toBe(memory.id);
    expect(deleted.content).toBe('to be deleted');
    expect(error.code).toBe('not_found');
  });

  it('imports a batch with ids and times, twice', async () => {
    const records = [
      record('01JF8ZP6V7G1WQK3M4N5R6S7A1', 'bulk one', '2025-03-01T10:00:00.000Z'),
      record('01JF8ZP6V7G1WQK3M4N5R6S7A2', 'bulk two', '2025-03-02T10:00:00.000Z'),
    ];
    const first = await store.importBatch(records);
    const second = await store.importBatch(records);
    const stored = await store.get('01JF8ZP6V7G1WQK3M4N5R6S7A1');

    expect(first.map((outcome) => outcome.status)).toEqual(['added', 'added']);
    expect(second.map((outcome) => outcome.status)).toEqual(['duplicate', 'duplicate']);
    expect(stored).toMatchObject({
      content: 'bulk one',
      context: 'imported',
      tags: ['bulk'],
      metadata: { n: 1 },
      createdAt: '2025-03-01T10:00:00.000Z',
    });
  });

  it('splits a batch that is larger than the byte limit', async () => {
    const small = new RemoteStore(
      new ApiClient({ baseUrl: team.url, credentials: { kind: 'api_key', key } }),
      { maxImportBytes: 400 },
    );
    team.proxy.clear();
    const records = Array.from({ length: 5 }, (_, index) =>
      record(`01JF8ZP6V7G1WQK3M4N5R6S7B${index}`, `split ${index}`, '2025-04-01T10:00:00.000Z'),
    );
    const outcomes = await small.importBatch(records);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(5).fill('added'));
    expect(team.proxy.requests('POST', '/v1/memories/import').length).toBeGreaterThan(1);
  });

  it('exports oldest first, with filters', async () => {
    const all = await collect(store.exportMemories({}));
    const imported = await collect(store.exportMemories({ context: 'imported' }));
    const createdTimes = all.map((memory) => memory.createdAt);

    expect(createdTimes).toEqual([...createdTimes].sort());
    expect(all.length).toBeGreaterThan(10);
    expect(imported.every((memory: Memory) => memory.context === 'imported')).toBe(true);
    expect(imported.slice(0, 2).map((memory) => memory.content)).toEqual(['bulk one', 'bulk two']);
  });

  it('carries the server error code', async () => {
    const invalid = await failure(() => store.get('not-an-id'));
    const tooManyTags = await failure(() =>
      store.add({
        ...newMemorySchema.parse({ content: 'tags' }),
        tags: Array.from({ length: 40 }, (_, index) => `t${index}`),
      }),
    );

    expect(invalid.code).toBe('invalid_argument');
    expect(tooManyTags.code).toBe('validation_failed');
    expect(tooManyTags.message).toContain('at most 32 tags');
  });

  it('rejects writes with a read key', async () => {
    const account = await registerAccount(team.directUrl, 'reader@example.com');
    const readKey = await createKey(team.directUrl, account.accessToken, 'read');
    const reader = new RemoteStore(
      new ApiClient({ baseUrl: team.url, credentials: { kind: 'api_key', key: readKey } }),
    );
    const error = await failure(() => reader.add(newMemorySchema.parse({ content: 'nope' })));

    expect(error.code).toBe('forbidden');
    expect(error.message).not.toContain(readKey);
  });

  it('keeps keys out of errors', async () => {
    const badKey = 'mem0_sk_thisisnotarealkeybutlooksalittlelikeone';
    const stranger = new RemoteStore(
      new ApiClient({ baseUrl: team.url, credentials: { kind: 'api_key', key: badKey } }),
    );
    const error = await failure(() => stranger.contexts());

    expect(error.code).toBe('unauthenticated');
    expect(error.message).not.toContain(badKey);
    expect(JSON.stringify(error.details)).not.toContain(badKey);
  });

  it('fails clearly after close', async () => {
    const closing = new RemoteStore(
      new ApiClient({ baseUrl: team.url, credentials: { kind: 'api_key', key } }),
    );
    const pending = closing.contexts();
    await closing.close();
    const error = await failure(() => closing.contexts());

    expect(Array.isArray(await pending)).toBe(true);
    expect(error.message).toContain('is closed');
  });
});

describe('ApiClient accounts', () => {
  it('registers and switches to the session', async () => {
    const client = new ApiClient({ baseUrl: team.url });
    const tokens = await client.register({
      email: 'ana@example.com',
      password: 'correct horse battery',
      name: 'Ana',
    });
    const me = await client.me();

    expect(tokens.user.email).toBe('ana@example.com');
    expect(me).toMatchObject({
      email: 'ana@example.com',
      name: 'Ana',
      via: 'session',
      scope: 'write',
    });
  });

  it('logs in and rejects a wrong password', async () => {
    const client = new ApiClient({ baseUrl: team.url });
    const error = await failure(() => client.login('ana@example.com', 'wrong password here'));
    const tokens = await client.login('ana@example.com', 'correct horse battery');
    const me = await client.me();

    expect(error.code).toBe('unauthenticated');
    expect(error.message).not.toContain('wrong password here');
    expect(tokens.expiresIn).toBe(900);
    expect(me.id).toBe(tokens.user.id);
  });

  it('creates, lists and revokes API keys', async () => {
    const client = new ApiClient({ baseUrl: team.url });
    await client.login('ana@example.com', 'correct horse battery');
    const created = await client.createApiKey({ name: 'laptop', scope: 'read' });
    const keyClient = new ApiClient({
      baseUrl: team.url,
      credentials: { kind: 'api_key', key: created.key },
    });
    const viaKey = await keyClient.me();
    const listed = await client.listApiKeys();
    await client.revokeApiKey(created.id);
    const error = await failure(() => keyClient.me());

    expect(viaKey).toMatchObject({ via: 'api_key', scope: 'read' });
    expect(listed.map((apiKey) => apiKey.id)).toContain(created.id);
    expect(listed[0]).not.toHaveProperty('key');
    expect(error.code).toBe('unauthenticated');
  });

  it('logs out and ends the session', async () => {
    const client = new ApiClient({ baseUrl: team.url });
    const tokens = await client.login('ana@example.com', 'correct horse battery');
    await client.logout();
    const noCredentials = await failure(() => client.me());
    const old = new ApiClient({
      baseUrl: team.url,
      credentials: { kind: 'session', refreshToken: tokens.refreshToken },
    });
    const ended = await failure(() => old.refresh());

    expect(noCredentials.code).toBe('unauthenticated');
    expect(ended.code).toBe('unauthenticated');
    expect(ended.message).toContain('mem0 login');
    expect(ended.message).not.toContain(tokens.refreshToken);
  });

  it('rejects a URL with credentials without echoing them', () => {
    let error: unknown;
    try {
      new ApiClient({ baseUrl: 'http://ana:s3cret-pass@127.0.0.1:9' });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(Mem0Error);
    expect((error as Mem0Error).code).toBe('invalid_argument');
    expect((error as Mem0Error).message).not.toContain('s3cret-pass');
  });
});

import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

import { type ImportRecord, Mem0Error, newMemorySchema } from '@memzero/core';

import { ApiClient, backoffDelay, RemoteStore, retryAfterDelay } from '../src/index.js';
import { createKey, registerAccount, startTeamServer, type TeamServer } from './team-server.js';

let team: TeamServer;
let key: string;

function remoteStore(options: { retries?: number; timeoutMs?: number } = {}): RemoteStore {
  return new RemoteStore(
    new ApiClient({ baseUrl: team.url, credentials: { kind: 'api_key', key }, ...options }),
  );
}

async function failure(work: () => Promise<unknown>): Promise<Mem0Error> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(Mem0Error);
    return error as Mem0Error;
  }
  throw new Error('The call resolved, but a rejection was expected.');
}

beforeAll(async () => {
  team = await startTeamServer();
  const account = await registerAccount(team.directUrl, 'retry@example.com');
  key = await createKey(team.directUrl, account.accessToken, 'write');
});

afterAll(async () => {
  await team.close();
});

beforeEach(() => {
  team.proxy.clear();
});

describe('server faults', () => {
  it('name the request id of a 500', async () => {
    team.proxy.inject({ method: 'GET', path: '/v1/contexts', kind: 'respond', status: 500 });

    const error = await failure(() => remoteStore({ retries: 0 }).contexts());

    expect(error.code).toBe('internal');
    expect(error.message).toBe('Injected 500 from the test proxy. (request id req-injected)');
  });
});

describe('retries', () => {
  it('retries a GET after a 503', async () => {
    team.proxy.inject({ method: 'GET', path: '/v1/contexts', kind: 'respond', retryAfter: '0' });

    const contexts = await remoteStore().contexts();

    expect(contexts.map((context) => context.name)).toContain('default');
    expect(team.proxy.requests('GET', '/v1/contexts').map((entry) => entry.status)).toEqual([
      503, 200,
    ]);
  });

  it('retries a GET after a dropped connection', async () => {
    team.proxy.inject({ method: 'GET', path: '/v1/contexts', kind: 'drop' });

    const contexts = await remoteStore().contexts();

    expect(contexts.length).toBeGreaterThan(0);
    expect(team.proxy.requests('GET', '/v1/contexts')).toHaveLength(2);
  });

  it('does not retry an add after a 503', async () => {
    // The server stores the memory, but the client receives a 503.
    team.proxy.inject({
      method: 'POST',
      path: '/v1/memories',
      kind: 'after-forward',
      retryAfter: '0',
    });
    const store = remoteStore();

    const error = await failure(() =>
      store.add(newMemorySchema.parse({ content: 'stored once', context: 'once' })),
    );
    const stored = await store.list({ context: 'once', limit: 10 });

    expect(error.code).toBe('store_unavailable');
    expect(team.proxy.requests('POST', '/v1/memories')).toHaveLength(1);
    expect(stored.items.map((memory) => memory.content)).toEqual(['stored once']);
  });

  it('retries a bulk import after a 503', async () => {
    team.proxy.inject({
      method: 'POST',
      path: '/v1/memories/import',
      kind: 'after-forward',
      retryAfter: '0',
    });
    const records: ImportRecord[] = [
      {
        id: '01JF8ZP6V7G1WQK3M4N5R6S7C1',
        content: 'bulk retried',
        context: 'bulk',
        tags: [],
        metadata: {},
        source: 'import',
        createdAt: '2025-05-01T00:00:00.000Z',
        updatedAt: '2025-05-01T00:00:00.000Z',
        expiresAt: null,
      },
    ];

    const outcomes = await remoteStore().importBatch(records);

    // The first attempt stored the record, so the retry finds it present.
    expect(outcomes).toEqual([{ status: 'duplicate', id: '01JF8ZP6V7G1WQK3M4N5R6S7C1' }]);
    expect(team.proxy.requests('POST', '/v1/memories/import')).toHaveLength(2);
  });

  it('honours Retry-After seconds on 429', async () => {
    team.proxy.inject({
      method: 'POST',
      path: '/v1/memories',
      kind: 'respond',
      status: 429,
      retryAfter: '1',
    });
    const started = Date.now();

    const result = await remoteStore().add(newMemorySchema.parse({ content: 'after a 429' }));

    const [rejected, accepted] = team.proxy.requests('POST', '/v1/memories');
    expect(result.created).toBe(true);
    expect(rejected?.status).toBe(429);
    expect(accepted!.at - rejected!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('honours a Retry-After date on 429', async () => {
    const date = new Date(Date.now() + 2_000).toUTCString();
    team.proxy.inject({
      method: 'GET',
      path: '/v1/contexts',
      kind: 'respond',
      status: 429,
      retryAfter: date,
    });

    await remoteStore().contexts();

    const [rejected, accepted] = team.proxy.requests('GET', '/v1/contexts');
    // An HTTP date has whole seconds, so the wait is between one and two seconds.
    expect(accepted!.at - rejected!.at).toBeGreaterThanOrEqual(900);
  });

  it('gives up after the retries with the server error', async () => {
    team.proxy.inject({
      method: 'GET',
      path: '/v1/contexts',
      kind: 'respond',
      retryAfter: '0',
      times: 10,
    });

    const error = await failure(() => remoteStore({ retries: 2 }).contexts());

    expect(error.code).toBe('store_unavailable');
    expect(error.message).toBe('Injected 503 from the test proxy.');
    expect(team.proxy.requests('GET', '/v1/contexts')).toHaveLength(3);
  });
});

describe('unreachable servers', () => {
  let silent: Server;
  let connections: Socket[];
  let silentUrl: string;

  beforeAll(async () => {
    connections = [];
    // Accepts connections and never answers.
    silent = createServer((socket) => {
      connections.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const socket of connections) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('times out on a server that never answers', async () => {
    const client = new ApiClient({
      baseUrl: silentUrl,
      credentials: { kind: 'api_key', key },
      timeoutMs: 300,
      retries: 1,
    });
    const started = Date.now();

    const error = await failure(() => new RemoteStore(client).contexts());

    expect(error.code).toBe('store_unavailable');
    expect(error.message).toContain(silentUrl);
    expect(error.message).toContain('did not respond within 0.3 s');
    expect(error.message).not.toContain(key);
    expect(connections).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, retries: 0 });

    const error = await failure(() => client.login('a@example.com', 'password password'));

    expect(error.code).toBe('store_unavailable');
    expect(error.message).toContain(`Cannot reach the mem0 server at http://127.0.0.1:${port}`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain('password password');
  });
});

describe('retry delays', () => {
  it.each([
    ['0', 0],
    ['3', 3_000],
    ['120', 30_000],
    ['soon', undefined],
  ])('reads Retry-After %s', (header, expected) => {
    expect(retryAfterDelay(header)).toBe(expected);
  });

  it('reads a Retry-After date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterDelay('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
  });

  it('doubles the backoff with jitter', () => {
    expect(backoffDelay(1, () => 0)).toBe(125);
    expect(backoffDelay(1, () => 1)).toBe(250);
    expect(backoffDelay(3, () => 1)).toBe(1_000);
    expect(backoffDelay(20, () => 1)).toBe(30_000);
  });
});

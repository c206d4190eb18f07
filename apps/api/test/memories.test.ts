import request from 'supertest';

import { bearer, callers, expectProblem, startTestServer, type TestServer } from './helpers';

interface MemoryBody {
  id: string;
  content: string;
  context: string;
  tags: string[];
  metadata: Record<string, unknown>;
  source: string;
  authorId: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  version: number;
  created?: boolean;
}

interface PageBody<T> {
  items: T[];
  nextCursor: string | null;
}

let server: TestServer;
const writer = bearer(callers.writer);

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.close();
});

async function add(body: Record<string, unknown>): Promise<MemoryBody> {
  const response = await request(server.url).post('/v1/memories').set(writer).send(body);
  if (response.status !== 201) {
    throw new Error(`add answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body as MemoryBody;
}

describe('POST /v1/memories', () => {
  it('new memory answers 201 with it', async () => {
    const response = await request(server.url)
      .post('/v1/memories')
      .set(writer)
      .send({ content: 'The deploy key lives in the vault', context: 'ops', tags: ['Deploy'] });

    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const memory = response.body as MemoryBody;
    expect(memory).toMatchObject({
      content: 'The deploy key lives in the vault',
      context: 'ops',
      tags: ['deploy'],
      metadata: {},
      source: 'api',
      authorId: 'ana',
      version: 1,
      expiresAt: null,
      created: true,
    });
    expect(response.headers.location).toBe(`/v1/memories/${memory.id}`);
  });

  it('duplicate answers 200 with the original', async () => {
    const original = await add({ content: 'Tabs, not spaces', context: 'style' });

    const response = await request(server.url)
      .post('/v1/memories')
      .set(writer)
      .send({ content: '  Tabs,   not spaces ', context: 'style', tags: ['ignored'] });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: original.id, created: false, tags: [] });
    expect(response.headers.location).toBeUndefined();
  });

  it('same content in another context is new', async () => {
    await add({ content: 'Coffee at ten', context: 'morning' });

    const response = await request(server.url)
      .post('/v1/memories')
      .set(writer)
      .send({ content: 'Coffee at ten', context: 'evening' });

    expect(response.status).toBe(201);
    expect((response.body as MemoryBody).created).toBe(true);
  });

  it('client may name its source', async () => {
    const memory = await add({ content: 'Written by an MCP tool', source: 'mcp' });

    expect(memory.source).toBe('mcp');
  });
});

describe('GET /v1/memories', () => {
  const context = 'paging';
  const contents = Array.from({ length: 5 }, (_, index) => `Paged memory number ${index + 1}`);

  beforeAll(async () => {
    for (const content of contents) {
      await add({ content, context, tags: ['paged', `n${contents.indexOf(content) % 2}`] });
    }
  });

  it('pages with nextCursor until the end', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;

    do {
      const query: Record<string, string> = { context, limit: '2' };
      if (cursor !== null) {
        query.cursor = cursor;
      }
      const response = await request(server.url).get('/v1/memories').set(writer).query(query);
      expect(response.status).toBe(200);
      const page = response.body as PageBody<MemoryBody>;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((memory) => memory.content));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);

    expect(pages).toBe(3);
    expect(seen).toEqual([...contents].reverse());
  });

  it('repeated tag requires every tag', async () => {
    const response = await request(server.url)
      .get('/v1/memories?context=paging&tag=paged&tag=n0')
      .set(writer);

    expect(response.status).toBe(200);
    const page = response.body as PageBody<MemoryBody>;
    expect(page.items.map((memory) => memory.content).sort()).toEqual(
      [contents[0], contents[2], contents[4]].sort(),
    );
  });

  it('filters by metadata given as JSON', async () => {
    await add({ content: 'Owned by ana', context: 'owned', metadata: { owner: 'ana', rank: 2 } });
    await add({ content: 'Owned by ben', context: 'owned', metadata: { owner: 'ben', rank: 2 } });

    const response = await request(server.url)
      .get('/v1/memories')
      .set(writer)
      .query({ context: 'owned', metadata: JSON.stringify({ owner: 'ana' }) });

    expect(response.status).toBe(200);
    const page = response.body as PageBody<MemoryBody>;
    expect(page.items.map((memory) => memory.content)).toEqual(['Owned by ana']);
  });

  it('filters by creation time', async () => {
    const future = new Date(Date.now() + 60_000).toISOString();

    const response = await request(server.url)
      .get('/v1/memories')
      .set(writer)
      .query({ context, createdAfter: future });

    expect(response.status).toBe(200);
    expect((response.body as PageBody<MemoryBody>).items).toEqual([]);
  });

  it('non-numeric limit is 422', async () => {
    const response = await request(server.url).get('/v1/memories?limit=many').set(writer);

    const problem = expectProblem(response, 422, 'validation_failed');
    expect(problem.detail).toContain('limit');
  });

  it('unknown query parameter is 400', async () => {
    const response = await request(server.url).get('/v1/memories?contxt=paging').set(writer);

    const problem = expectProblem(response, 400, 'invalid_argument');
    expect(problem.detail).toContain('contxt');
  });

  it('metadata that is not JSON is 400', async () => {
    const response = await request(server.url).get('/v1/memories?metadata=owner').set(writer);

    expectProblem(response, 400, 'invalid_argument');
  });

  it('bad cursor is 400', async () => {
    const response = await request(server.url).get('/v1/memories?cursor=not-a-cursor').set(writer);

    expectProblem(response, 400, 'invalid_argument');
  });

  it('unknown context is 404', async () => {
    const response = await request(server.url).get('/v1/memories?context=nowhere').set(writer);

    expectProblem(response, 404, 'not_found');
  });
});

describe('one memory by id', () => {
  let memory: MemoryBody;

  beforeAll(async () => {
    memory = await add({ content: 'Release on Thursdays', context: 'release', tags: ['process'] });
  });

  it('GET answers the memory', async () => {
    const response = await request(server.url).get(`/v1/memories/${memory.id}`).set(writer);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ...memory, created: undefined });
  });

  it('PATCH changes the given fields', async () => {
    const response = await request(server.url)
      .patch(`/v1/memories/${memory.id}`)
      .set(writer)
      .send({ content: 'Release on Wednesdays', tags: ['process', 'weekly'] });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: memory.id,
      content: 'Release on Wednesdays',
      context: 'release',
      tags: ['process', 'weekly'],
      version: 2,
    });
  });

  it('PATCH with a stale version is 409', async () => {
    const response = await request(server.url)
      .patch(`/v1/memories/${memory.id}`)
      .set(writer)
      .send({ content: 'Release never', expectedVersion: 1 });

    expectProblem(response, 409, 'conflict');
  });

  it('PATCH with nothing to change is 422', async () => {
    const response = await request(server.url)
      .patch(`/v1/memories/${memory.id}`)
      .set(writer)
      .send({});

    expectProblem(response, 422, 'validation_failed');
  });

  it('history lists every version', async () => {
    const response = await request(server.url).get(`/v1/memories/${memory.id}/history`).set(writer);

    expect(response.status).toBe(200);
    const page = response.body as PageBody<{ version: number; operation: string; content: string }>;
    expect(page.nextCursor).toBeNull();
    expect(
      page.items.map(({ version, operation, content }) => ({ version, operation, content })),
    ).toEqual([
      { version: 1, operation: 'create', content: 'Release on Thursdays' },
      { version: 2, operation: 'update', content: 'Release on Wednesdays' },
    ]);
  });

  it('DELETE answers 204 and the memory is gone', async () => {
    const deleted = await request(server.url).delete(`/v1/memories/${memory.id}`).set(writer);

    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');

    const after = await request(server.url).get(`/v1/memories/${memory.id}`).set(writer);
    expectProblem(after, 404, 'not_found');
  });

  it('history survives the delete', async () => {
    const response = await request(server.url).get(`/v1/memories/${memory.id}/history`).set(writer);

    expect(response.status).toBe(200);
    const page = response.body as PageBody<{ operation: string }>;
    expect(page.items.map((revision) => revision.operation)).toEqual([
      'create',
      'update',
      'delete',
    ]);
  });

  it('malformed id is 400', async () => {
    const response = await request(server.url).get('/v1/memories/not-an-id').set(writer);

    expectProblem(response, 400, 'invalid_argument');
  });

  it('unknown id is 404 on every route', async () => {
    const id = '01JAAAAAAAAAAAAAAAAAAAAAAA';
    const responses = await Promise.all([
      request(server.url).get(`/v1/memories/${id}`).set(writer),
      request(server.url).patch(`/v1/memories/${id}`).set(writer).send({ content: 'x' }),
      request(server.url).delete(`/v1/memories/${id}`).set(writer),
      request(server.url).get(`/v1/memories/${id}/history`).set(writer),
    ]);

    for (const response of responses) {
      expectProblem(response, 404, 'not_found');
    }
  });
});

describe('GET /v1/contexts', () => {
  it('lists contexts with their counts', async () => {
    const response = await request(server.url).get('/v1/contexts').set(writer);

    expect(response.status).toBe(200);
    const page = response.body as PageBody<{ name: string; memoryCount: number }>;
    expect(page.nextCursor).toBeNull();
    const counts = Object.fromEntries(
      page.items.map((context) => [context.name, context.memoryCount]),
    );
    expect(counts).toMatchObject({ paging: 5, owned: 2, style: 1 });
  });
});

describe('GET /v1/me', () => {
  it('names the caller', async () => {
    const response = await request(server.url).get('/v1/me').set(writer);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ userId: 'ana', via: 'api_key', scope: 'write' });
  });

  it('read key may call it', async () => {
    const response = await request(server.url).get('/v1/me').set(bearer(callers.reader));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ userId: 'ana', via: 'api_key', scope: 'read' });
  });
});

describe('response headers', () => {
  it('API answers are not cached', async () => {
    const response = await request(server.url).get('/v1/contexts').set(writer);

    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('helmet headers are set', async () => {
    const response = await request(server.url).get('/healthz');

    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });
});

import request from 'supertest';

import {
  bearerHeader,
  createTemporaryDatabase,
  registerUser,
  startTeamServer,
  type TeamServer,
  type TemporaryDatabase,
} from './team-server.js';

let database: TemporaryDatabase;
let server: TeamServer;
let ana: Record<string, string>;
let ben: Record<string, string>;
let anaReadKey: string;

interface Outcome {
  status: 'added' | 'duplicate' | 'rejected';
  id?: string;
  reason?: string;
}

function importBatch(headers: Record<string, string>, body: unknown) {
  return request(server.url)
    .post('/v1/memories/import')
    .set(headers)
    .send(body as object);
}

/** Build a valid record with a fixed id and creation time. */
function record(id: string, content: string, createdAt = '2025-06-01T08:00:00.000Z') {
  return { id, content, context: 'bulk', tags: ['t'], metadata: { k: 'v' }, createdAt };
}

beforeAll(async () => {
  database = await createTemporaryDatabase();
  server = await startTeamServer(database.url);
  const anaUser = await registerUser(server.url, 'ana@example.com');
  const benUser = await registerUser(server.url, 'ben@example.com');
  ana = bearerHeader(anaUser.accessToken);
  ben = bearerHeader(benUser.accessToken);
  const key = await request(server.url)
    .post('/v1/api-keys')
    .set(ana)
    .send({ name: 'reader', scope: 'read' });
  anaReadKey = (key.body as { key: string }).key;
});

afterAll(async () => {
  await server.close();
  await database.drop();
});

describe('POST /v1/memories/import', () => {
  it('stores records with their ids and times', async () => {
    const response = await importBatch(ana, {
      records: [record('01JF8ZP6V7G1WQK3M4N5R6S7D1', 'kept as is')],
    });
    const stored = await request(server.url)
      .get('/v1/memories/01JF8ZP6V7G1WQK3M4N5R6S7D1')
      .set(ana);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      outcomes: [{ status: 'added', id: '01JF8ZP6V7G1WQK3M4N5R6S7D1' }],
    });
    expect(stored.body).toMatchObject({
      content: 'kept as is',
      context: 'bulk',
      tags: ['t'],
      metadata: { k: 'v' },
      source: 'import',
      createdAt: '2025-06-01T08:00:00.000Z',
      updatedAt: '2025-06-01T08:00:00.000Z',
    });
  });

  it('validates each record on its own', async () => {
    const response = await importBatch(ana, {
      records: [
        record('01JF8ZP6V7G1WQK3M4N5R6S7D2', 'valid one'),
        { content: '   ' },
        42,
        { content: 'bad tag', tags: ['a b'] },
        { content: 'bad id', id: 'not-a-ulid' },
        { content: 'x'.repeat(32_769) },
        { content: 'future', createdAt: '2999-01-01T00:00:00Z' },
        { content: 'no id given' },
      ],
    });
    const outcomes = (response.body as { outcomes: Outcome[] }).outcomes;

    expect(response.status).toBe(200);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'added',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'added',
    ]);
    expect(outcomes[1]?.reason).toContain('content must not be empty');
    expect(outcomes[2]?.reason).toContain('Not a JSON object');
    expect(outcomes[3]?.reason).toContain('tags[0]');
    expect(outcomes[4]?.reason).toContain('not-a-ulid');
    expect(outcomes[5]?.reason).toContain('at most 32768 characters');
    expect(outcomes[6]?.reason).toContain('is more than a day ahead of this clock');
    expect(outcomes[7]?.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('returns duplicate for every record the second time', async () => {
    const records = Array.from({ length: 20 }, (_, index) =>
      record(`01JF8ZP6V7G1WQK3M4N5R6S8${String(index).padStart(2, '0')}`, `twice ${index}`),
    );
    const first = await importBatch(ana, { records });
    const second = await importBatch(ana, { records });

    expect(
      (first.body as { outcomes: Outcome[] }).outcomes.every((o) => o.status === 'added'),
    ).toBe(true);
    expect((second.body as { outcomes: Outcome[] }).outcomes).toEqual(
      records.map((entry) => ({ status: 'duplicate', id: entry.id })),
    );
  });

  it('rejects an id of another account', async () => {
    const response = await importBatch(ben, {
      records: [
        record('01JF8ZP6V7G1WQK3M4N5R6S7D1', 'taken id'),
        record('01JF8ZP6V7G1WQK3M4N5R6S7D9', 'free id'),
      ],
    });
    const outcomes = (response.body as { outcomes: Outcome[] }).outcomes;
    const anaCopy = await request(server.url)
      .get('/v1/memories/01JF8ZP6V7G1WQK3M4N5R6S7D1')
      .set(ana);

    expect(outcomes[0]?.status).toBe('rejected');
    expect(outcomes[0]?.reason).toContain('already used by another account');
    expect(outcomes[1]).toEqual({ status: 'added', id: '01JF8ZP6V7G1WQK3M4N5R6S7D9' });
    expect(anaCopy.body.content).toBe('kept as is');
  });

  it('accepts 1,000 records and rejects 1,001 with 413', async () => {
    const records = Array.from({ length: 1_001 }, (_, index) => ({ content: `limit ${index}` }));
    const tooMany = await importBatch(ana, { records });
    const atLimit = await importBatch(ana, { records: records.slice(0, 1_000) });

    expect(tooMany.status).toBe(413);
    expect(tooMany.body.code).toBe('payload_too_large');
    expect(tooMany.body.detail).toContain('at most 1000');
    expect(atLimit.status).toBe(200);
    expect((atLimit.body as { outcomes: Outcome[] }).outcomes).toHaveLength(1_000);
  });

  it.each([
    ['no records field', {}, 422, 'validation_failed'],
    ['records not an array', { records: 'x' }, 422, 'validation_failed'],
    ['an unknown field', { records: [], extra: 1 }, 422, 'validation_failed'],
    ['an array body', [], 400, 'invalid_argument'],
  ])('rejects %s', async (_name, body, status, code) => {
    const response = await importBatch(ana, body);

    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
  });

  it('needs write scope', async () => {
    const response = await importBatch(bearerHeader(anaReadKey), {
      records: [{ content: 'read only' }],
    });

    expect(response.status).toBe(403);
    expect(response.body.code).toBe('forbidden');
  });

  it('needs credentials', async () => {
    const response = await importBatch({}, { records: [] });

    expect(response.status).toBe(401);
  });
});

describe('GET /v1/memories/export', () => {
  function lines(text: string): Record<string, unknown>[] {
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it('streams memories oldest first as JSON Lines', async () => {
    await importBatch(ben, {
      records: [
        record('01JF8ZP6V7G1WQK3M4N5R6S9A2', 'newer', '2025-02-02T00:00:00.000Z'),
        record('01JF8ZP6V7G1WQK3M4N5R6S9A1', 'older', '2025-01-01T00:00:00.000Z'),
        { ...record('01JF8ZP6V7G1WQK3M4N5R6S9A3', 'elsewhere'), context: 'other' },
      ],
    });
    const response = await request(server.url)
      .get('/v1/memories/export')
      .query({ context: 'bulk' })
      .set(ben)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      });
    const exported = lines(response.body as string);

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('application/x-ndjson');
    expect(exported.map((memory) => memory.content)).toEqual(['older', 'newer', 'free id']);
    expect(exported[0]).toMatchObject({ id: '01JF8ZP6V7G1WQK3M4N5R6S9A1', version: 1 });
  });

  it('allows read scope and rejects paging parameters', async () => {
    const read = await request(server.url).get('/v1/memories/export').set(bearerHeader(anaReadKey));
    const paged = await request(server.url).get('/v1/memories/export?limit=5').set(ana);

    expect(read.status).toBe(200);
    expect(paged.status).toBe(400);
    expect(paged.body.code).toBe('invalid_argument');
  });

  it('is in the OpenAPI document with the import route', async () => {
    const response = await request(server.url).get('/openapi.json');
    const paths = response.body.paths as Record<string, Record<string, unknown>>;

    expect(paths['/v1/memories/import']).toHaveProperty('post');
    expect(paths['/v1/memories/export']).toHaveProperty('get');
  });
});

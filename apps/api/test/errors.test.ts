import request from 'supertest';

import { Mem0Error, type MemoryStore } from '@memzero/core';

import { bearer, callers, expectProblem, startTestServer, type TestServer } from './helpers';

let server: TestServer;
const writer = bearer(callers.writer);
const reader = bearer(callers.reader);

beforeAll(async () => {
  server = await startTestServer({ bodyLimitBytes: 4096 });
});

afterAll(async () => {
  await server.close();
});

describe('problem answers', () => {
  it('malformed JSON is 400', async () => {
    const response = await request(server.url)
      .post('/v1/memories')
      .set(writer)
      .set('Content-Type', 'application/json')
      .send('{"content": "unterminated');

    const problem = expectProblem(response, 400, 'invalid_argument');
    expect(problem.detail).toBe('The request body is not valid JSON. Send one JSON object.');
  });

  it.each([
    ['an array', '[{"content": "x"}]'],
    ['a string', '"just text"'],
  ])('body that is %s is 400', async (_label, body) => {
    const response = await request(server.url)
      .post('/v1/memories')
      .set(writer)
      .set('Content-Type', 'application/json')
      .send(body);

    expectProblem(response, 400, 'invalid_argument');
  });

  it('POST without a body is 400', async () => {
    const response = await request(server.url).post('/v1/memories').set(writer);

    expectProblem(response, 400, 'invalid_argument');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])(
    'body sent as %s is 415',
    async (type) => {
      const response = await request(server.url)
        .post('/v1/memories')
        .set(writer)
        .set('Content-Type', type)
        .send('content=hello');

      const problem = expectProblem(response, 415, 'unsupported_media_type');
      expect(problem.detail).toContain('application/json');
    },
  );

  it('PATCH with a text body is 415', async () => {
    const response = await request(server.url)
      .patch('/v1/memories/01JAAAAAAAAAAAAAAAAAAAAAAA')
      .set(writer)
      .set('Content-Type', 'text/plain')
      .send('new text');

    expectProblem(response, 415, 'unsupported_media_type');
  });

  it('body over the limit is 413', async () => {
    const response = await request(server.url)
      .post('/v1/memories')
      .set(writer)
      .send({ content: 'x'.repeat(5000) });

    const problem = expectProblem(response, 413, 'payload_too_large');
    expect(problem.detail).toContain('4096');
  });

  it('content over the maximum is 422', async () => {
    const response = await request(server.url)
      .post('/v1/memories')
      .set(writer)
      .send({ content: 'hello', tags: Array.from({ length: 40 }, (_, index) => `t${index}`) });

    const problem = expectProblem(response, 422, 'validation_failed');
    expect(problem.detail).toContain('tags');
    expect(Array.isArray(problem.issues)).toBe(true);
  });

  it('unknown route is 404', async () => {
    const response = await request(server.url).get('/v1/nothing-here').set(writer);

    const problem = expectProblem(response, 404, 'not_found');
    expect(problem.detail).toContain('/v1/nothing-here');
  });

  it('unsupported method is 404', async () => {
    const response = await request(server.url).put('/v1/memories').set(writer).send({});

    expectProblem(response, 404, 'not_found');
  });
});

describe('authentication', () => {
  it('missing token is 401', async () => {
    const response = await request(server.url).get('/v1/memories');

    const problem = expectProblem(response, 401, 'unauthenticated');
    expect(problem.detail).toContain('Authorization: Bearer');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="mem0"');
  });

  it('unknown token is 401', async () => {
    const response = await request(server.url)
      .get('/v1/memories')
      .set('Authorization', 'Bearer no-such-token');

    expectProblem(response, 401, 'unauthenticated');
  });

  it.each(['Basic dXNlcjpwYXNz', `Token ${callers.writer.token}`, 'Bearer', 'Bearer a b'])(
    'header %j is 401',
    async (header) => {
      const response = await request(server.url).get('/v1/memories').set('Authorization', header);

      expectProblem(response, 401, 'unauthenticated');
    },
  );

  it('scheme name is case-insensitive', async () => {
    const response = await request(server.url)
      .get('/v1/me')
      .set('Authorization', `bearer ${callers.writer.token}`);

    expect(response.status).toBe(200);
  });

  it('token in the query string is 401', async () => {
    const response = await request(server.url)
      .get('/v1/memories')
      .query({ access_token: callers.writer.token });

    expectProblem(response, 401, 'unauthenticated');
  });

  it('token in the JSON body is 401', async () => {
    const response = await request(server.url)
      .post('/v1/search')
      .send({ query: 'anything', access_token: callers.writer.token });

    expectProblem(response, 401, 'unauthenticated');
  });

  it.each([
    ['post', '/v1/memories', { content: 'from a read key' }],
    ['patch', '/v1/memories/01JAAAAAAAAAAAAAAAAAAAAAAA', { content: 'changed' }],
    ['delete', '/v1/memories/01JAAAAAAAAAAAAAAAAAAAAAAA', undefined],
  ] as const)('read key on %s %s is 403', async (method, path, body) => {
    const response = await request(server.url)[method](path).set(reader).send(body);

    const problem = expectProblem(response, 403, 'forbidden');
    expect(problem.detail).toContain('write scope');
  });

  it('read key stores nothing', async () => {
    await request(server.url).post('/v1/memories').set(reader).send({ content: 'sneaky write' });

    const response = await request(server.url)
      .post('/v1/search')
      .set(writer)
      .send({ query: 'sneaky' });
    expect(response.body).toEqual({ items: [], nextCursor: null });
  });
});

/** A store whose every method fails with `error`. */
function failingStore(error: () => Error): MemoryStore {
  const fail = async () => {
    throw error();
  };
  return {
    add: fail,
    get: fail,
    list: fail,
    update: fail,
    delete: fail,
    history: fail,
    search: fail,
    contexts: fail,
    createContext: fail,
    importBatch: fail,
    exportMemories: () => ({
      [Symbol.asyncIterator]: () => ({ next: fail }),
    }),
    close: async () => undefined,
  };
}

describe('store failures', () => {
  const secretMessage =
    'SQLITE_CORRUPT: SELECT password_hash FROM users WHERE id = ? at /srv/mem0/data.db';
  let failing: TestServer;
  let busy: TestServer;
  let unavailable: TestServer;

  beforeAll(async () => {
    failing = await startTestServer({
      storeFor: () => failingStore(() => new Error(secretMessage)),
    });
    busy = await startTestServer({
      storeFor: () =>
        failingStore(() => new Mem0Error('store_busy', `The database ${secretMessage} is busy.`)),
    });
    unavailable = await startTestServer({
      storeFor: () =>
        failingStore(
          () => new Mem0Error('store_unavailable', `Cannot open the database /srv/mem0/data.db.`),
        ),
    });
  });

  afterAll(async () => {
    await Promise.all([failing.close(), busy.close(), unavailable.close()]);
  });

  it('plain error is a 500 that reveals nothing', async () => {
    const response = await request(failing.url).get('/v1/contexts').set(writer);

    const problem = expectProblem(response, 500, 'internal');
    const body = JSON.stringify(response.body);
    for (const fragment of ['SQLITE', 'SELECT', 'password', '/srv', 'data.db', 'Error', ' at ']) {
      expect(body).not.toContain(fragment);
    }
    expect(Object.keys(problem).sort()).toEqual(
      ['code', 'detail', 'requestId', 'status', 'title', 'type'].sort(),
    );
  });

  it('500 is logged with its error', async () => {
    const response = await request(failing.url).post('/v1/search').set(writer).send({ query: 'x' });

    const line = failing.logs
      .records()
      .find((record) => record.reqId === response.headers['x-request-id'] && record.res);
    expect(line).toMatchObject({ level: 50, errorCode: 'internal', res: { statusCode: 500 } });
    expect(JSON.stringify(line)).toContain('SQLITE_CORRUPT');
  });

  it('store_busy is 503 with Retry-After', async () => {
    const response = await request(busy.url).get('/v1/memories').set(writer);

    const problem = expectProblem(response, 503, 'store_busy');
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(problem.detail).not.toContain('SQLITE');
  });

  it('store_unavailable is 503 with Retry-After', async () => {
    const response = await request(unavailable.url)
      .post('/v1/memories')
      .set(writer)
      .send({ content: 'hello' });

    const problem = expectProblem(response, 503, 'store_unavailable');
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(problem.detail).not.toContain('/srv');
  });

  it('failing authenticate with a plain error is 500', async () => {
    const broken = await startTestServer({
      authenticate: async () => {
        throw new Error('connection to 10.0.0.5:5432 refused');
      },
    });
    try {
      const response = await request(broken.url).get('/v1/me').set(writer);

      expectProblem(response, 500, 'internal');
      expect(JSON.stringify(response.body)).not.toContain('10.0.0.5');
    } finally {
      await broken.close();
    }
  });
});

import request from 'supertest';

import { createLogger } from '../src/index.js';
import { bearer, callers, LogCapture, startTestServer, type TestServer } from './helpers';

let server: TestServer;
const queryToken = 'query-secret-4f9a2c';
const bodyPassword = 'body-password-8d1e77';

beforeAll(async () => {
  server = await startTestServer();

  await request(server.url).get('/v1/me').set(bearer(callers.writer));
  await request(server.url)
    .get('/v1/memories')
    .query({ access_token: queryToken })
    .set(bearer(callers.other));
  await request(server.url).get('/v1/memories').query({ access_token: queryToken });
  await request(server.url)
    .post('/v1/memories')
    .set(bearer(callers.writer))
    .send({ content: 'login notes', password: bodyPassword });
  await request(server.url)
    .post('/v1/search')
    .set('Authorization', `Bearer ${callers.reader.token}x`)
    .send({ query: 'x', token: bodyPassword });
  await request(server.url)
    .get('/v1/me')
    .set('Cookie', `session=${bodyPassword}`)
    .set(bearer(callers.reader));
});

afterAll(async () => {
  await server.close();
});

describe('request log', () => {
  it.each([
    ['write token', callers.writer.token],
    ['read token', callers.reader.token],
    ['session token', callers.other.token],
    ['query-string token', queryToken],
    ['body password', bodyPassword],
  ])('never contains the %s', (_label, secret) => {
    expect(server.logs.lines.length).toBeGreaterThanOrEqual(6);
    expect(server.logs.text()).not.toContain(secret);
  });

  it('never contains headers or query strings', () => {
    for (const record of server.logs.records()) {
      expect(JSON.stringify(record)).not.toMatch(/authorization|cookie|access_token/i);
    }
  });

  it('one line per request with the request id', () => {
    const completed = server.logs.records().filter((record) => record.res !== undefined);

    expect(completed).toHaveLength(6);
    for (const record of completed) {
      expect(typeof record.reqId).toBe('string');
      expect(record.req).toMatchObject({
        method: expect.any(String),
        path: expect.stringMatching(/^\/v1\//),
      });
    }
  });

  it('names the acting user and key', () => {
    const me = server.logs
      .records()
      .find((record) => (record.req as { path: string }).path === '/v1/me');

    expect(me).toMatchObject({ userId: 'ana', keyId: 'key-ana-write', via: 'api_key' });
  });

  it('names the error code of a failure', () => {
    const rejected = server.logs
      .records()
      .filter((record) => (record.res as { statusCode: number }).statusCode === 401);

    expect(rejected.length).toBeGreaterThan(0);
    for (const record of rejected) {
      expect(record.errorCode).toBe('unauthenticated');
      expect(record.userId).toBeUndefined();
    }
  });
});

describe('request id', () => {
  it('a plain incoming id is kept and echoed', async () => {
    const response = await request(server.url).get('/healthz').set('X-Request-Id', 'trace-42.a:b');

    expect(response.headers['x-request-id']).toBe('trace-42.a:b');
    const line = server.logs.records().find((record) => record.reqId === 'trace-42.a:b');
    expect(line).toBeDefined();
  });

  it.each([
    ['too long', 'x'.repeat(200)],
    ['with spaces', 'two words'],
    ['with JSON', '{"level":60}'],
  ])('an id %s is replaced', async (_label, sent) => {
    const response = await request(server.url).get('/healthz').set('X-Request-Id', sent);

    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.logs.text()).not.toContain(sent);
  });

  it('every problem names its request id', async () => {
    const response = await request(server.url).get('/v1/memories');

    expect((response.body as { requestId: string }).requestId).toBe(
      response.headers['x-request-id'],
    );
  });
});

describe('createLogger', () => {
  it('redacts secret fields wherever they are logged', () => {
    const capture = new LogCapture();
    const logger = createLogger({ destination: capture });

    logger.info(
      {
        password: 'p1-secret',
        token: 't1-secret',
        user: { password: 'p2-secret', refreshToken: 'r-secret' },
        req: { headers: { authorization: 'Bearer h-secret', cookie: 'c-secret' } },
      },
      'test line',
    );

    expect(capture.text()).toContain('test line');
    for (const secret of [
      'p1-secret',
      't1-secret',
      'p2-secret',
      'r-secret',
      'h-secret',
      'c-secret',
    ]) {
      expect(capture.text()).not.toContain(secret);
    }
    expect(capture.text()).toContain('[redacted]');
  });
});

import http from 'node:http';

import { z } from 'zod';
import request from 'supertest';

import { Mem0Error } from '@memzero/core';
import { SqliteStore } from '@memzero/db';

import {
  defaultRateLimitSettings,
  loopbackHosts,
  principalOf,
  sqliteReadiness,
} from '../src/index.js';
import {
  bearer,
  callers,
  expectProblem,
  startTestServer,
  temporaryDirectory,
  type TestServer,
} from './helpers';

const servers: TestServer[] = [];

async function serve(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
  const server = await startTestServer(...args);
  servers.push(server);
  return server;
}

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe('health and readiness', () => {
  it('/healthz answers without credentials', async () => {
    const server = await serve({
      ready: async () => {
        throw new Error('database down');
      },
    });

    const response = await request(server.url).get('/healthz');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 when ready', async () => {
    const server = await serve();

    const response = await request(server.url).get('/readyz');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ready' });
  });

  it('/readyz answers 503 with Retry-After when not ready', async () => {
    const server = await serve({
      ready: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
    });

    const response = await request(server.url).get('/readyz');

    const problem = expectProblem(response, 503, 'store_unavailable');
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(problem.detail).not.toContain('ECONNREFUSED');
    const logged = server.logs.records().find((record) => record.msg === 'readiness check failed');
    expect(JSON.stringify(logged)).toContain('ECONNREFUSED');
  });

  it('/readyz keeps a store_busy code', async () => {
    const server = await serve({
      ready: async () => {
        throw new Mem0Error('store_busy', 'locked');
      },
    });

    const response = await request(server.url).get('/readyz');

    expectProblem(response, 503, 'store_busy');
  });
});

describe('sqliteReadiness', () => {
  it('passes on an open, migrated database', async () => {
    const directory = temporaryDirectory('ready');
    const store = new SqliteStore(`${directory.path}/mem0.db`);
    try {
      await expect(sqliteReadiness(store)()).resolves.toBeUndefined();
    } finally {
      await store.close();
      directory.remove();
    }
  });

  it('fails with store_unavailable once closed', async () => {
    const directory = temporaryDirectory('ready');
    const store = new SqliteStore(`${directory.path}/mem0.db`);
    await store.close();
    try {
      await expect(sqliteReadiness(store)()).rejects.toMatchObject({ code: 'store_unavailable' });
    } finally {
      directory.remove();
    }
  });

  it('fails when a migration is missing', async () => {
    const directory = temporaryDirectory('ready');
    const store = new SqliteStore(`${directory.path}/mem0.db`);
    store.database
      .prepare(
        'DELETE FROM "_mem0_migrations" WHERE rowid = (SELECT max(rowid) FROM "_mem0_migrations")',
      )
      .run();
    try {
      await expect(sqliteReadiness(store)()).rejects.toMatchObject({ code: 'store_unavailable' });
    } finally {
      await store.close();
      directory.remove();
    }
  });
});

describe('/openapi.json', () => {
  const routes = [
    ['get', '/healthz'],
    ['get', '/readyz'],
    ['get', '/openapi.json'],
    ['post', '/v1/memories'],
    ['get', '/v1/memories'],
    ['get', '/v1/memories/{id}'],
    ['patch', '/v1/memories/{id}'],
    ['delete', '/v1/memories/{id}'],
    ['get', '/v1/memories/{id}/history'],
    ['post', '/v1/memories/import'],
    ['get', '/v1/memories/export'],
    ['post', '/v1/search'],
    ['get', '/v1/contexts'],
    ['post', '/v1/contexts'],
    ['get', '/v1/me'],
  ];
  let document: {
    openapi: string;
    paths: Record<string, Record<string, Record<string, unknown>>>;
    components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  };

  beforeAll(async () => {
    const server = await serve();
    const response = await request(server.url).get('/openapi.json');
    expect(response.status).toBe(200);
    document = response.body as typeof document;
  });

  it('lists every route and no other', () => {
    const listed = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => [method, path]),
    );

    expect(listed.sort()).toEqual([...routes].sort());
  });

  it('memory routes require the bearer scheme', () => {
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(document.paths['/v1/memories']!.post!.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths['/healthz']!.get!.security).toBeUndefined();
  });

  it('request bodies come from the core schemas', () => {
    const body = document.paths['/v1/memories']!.post!.requestBody as {
      content: { 'application/json': { schema: { required: string[]; properties: object } } };
    };
    const schema = body.content['application/json'].schema;

    expect(schema.required).toEqual(['content']);
    expect(Object.keys(schema.properties).sort()).toEqual(
      ['content', 'context', 'expiresAt', 'metadata', 'source', 'tags'].sort(),
    );
  });

  it('list query parameters are described', () => {
    const parameters = document.paths['/v1/memories']!.get!.parameters as { name: string }[];

    expect(parameters.map((parameter) => parameter.name).sort()).toEqual(
      ['context', 'createdAfter', 'createdBefore', 'cursor', 'limit', 'metadata', 'tag'].sort(),
    );
  });

  it('errors are described as problems', () => {
    const responses = document.paths['/v1/memories']!.post!.responses as Record<
      string,
      { content?: Record<string, unknown> }
    >;

    for (const status of ['400', '401', '403', '413', '415', '422', '429', '500', '503']) {
      expect(Object.keys(responses[status]?.content ?? {})).toEqual(['application/problem+json']);
    }
    expect(document.components.schemas.Problem).toBeDefined();
  });
});

describe('CORS', () => {
  it('is off unless origins are configured', async () => {
    const server = await serve();

    const response = await request(server.url)
      .get('/healthz')
      .set('Origin', 'https://notes.example.com');

    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows a configured origin only', async () => {
    const server = await serve({ corsOrigins: ['https://notes.example.com'] });

    const allowed = await request(server.url)
      .options('/v1/memories')
      .set('Origin', 'https://notes.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    const other = await request(server.url)
      .get('/healthz')
      .set('Origin', 'https://evil.example.net');

    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://notes.example.com');
    expect(allowed.headers['access-control-allow-headers']).toContain('Authorization');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

/** Send a GET with a raw Host header, which supertest would set from the URL. */
function getWithHost(url: string, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const outgoing = http.request(
      { host: '127.0.0.1', port: target.port, path, method: 'GET', headers: { Host: host } },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('allowed hosts', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await serve({ allowedHosts: loopbackHosts });
  });

  it.each([
    'localhost',
    'localhost:13370',
    '127.0.0.1',
    '127.0.0.1:8080',
    '[::1]',
    '[::1]:13370',
    'LOCALHOST',
  ])('Host %s is accepted', async (host) => {
    expect(await getWithHost(server.url, '/healthz', host)).toBe(200);
  });

  it.each([
    'attacker.example',
    'attacker.example:13370',
    'localhost.attacker.example',
    '127.0.0.2',
    'localhost:abc',
    'localhost:13370:1',
  ])('Host %j is rejected with 403', async (host) => {
    expect(await getWithHost(server.url, '/healthz', host)).toBe(403);
  });

  it('rejection is a forbidden problem', async () => {
    const response = await request(server.url).get('/healthz').set('Host', 'rebind.example');

    const problem = expectProblem(response, 403, 'forbidden');
    expect(problem.detail).toContain('localhost');
  });
});

describe('extraRoutes hook', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await serve({
      rateLimit: {
        ...defaultRateLimitSettings,
        credentials: { windowMs: 60_000, perIp: 4, perAccount: 2 },
      },
      extraRoutes(router, kit) {
        const email = (req: { body?: { email?: unknown } }) =>
          typeof req.body?.email === 'string' ? req.body.email.toLowerCase() : undefined;
        router.post(
          '/v1/auth/login',
          kit.limitPerIp,
          ...kit.jsonBody,
          ...kit.limiters.credentials('login', email),
          (_request, response) => {
            response.json({ ok: true });
          },
        );
        router.get('/v1/whoami', kit.authenticate, (_request, response) => {
          response.json({ userId: principalOf(response).userId });
        });
      },
      document(registry) {
        registry.registerPath({
          method: 'post',
          path: '/v1/auth/login',
          summary: 'Log in',
          request: {
            body: { content: { 'application/json': { schema: z.object({ email: z.string() }) } } },
          },
          responses: { 200: { description: 'Logged in.' } },
        });
      },
    });
  });

  it('added route answers', async () => {
    const response = await request(server.url).get('/v1/whoami').set(bearer(callers.other));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ userId: 'ben' });
  });

  it('added route errors are problems', async () => {
    const response = await request(server.url).get('/v1/whoami');

    expectProblem(response, 401, 'unauthenticated');
  });

  it('credential limiter counts per account', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 3; index++) {
      const response = await request(server.url)
        .post('/v1/auth/login')
        .send({ email: index === 1 ? 'ANA@example.com' : 'ana@example.com' });
      statuses.push(response.status);
    }
    const otherAccount = await request(server.url)
      .post('/v1/auth/login')
      .send({ email: 'ben@example.com' });

    expect(statuses).toEqual([200, 200, 429]);
    expect(otherAccount.status).toBe(200);
  });

  it('credential limiter counts per IP', async () => {
    // Four requests from this address so far; the IP budget is four.
    const response = await request(server.url)
      .post('/v1/auth/login')
      .send({ email: 'cleo@example.com' });

    expectProblem(response, 429, 'rate_limited');
  });

  it('document hook adds to /openapi.json', async () => {
    const response = await request(server.url).get('/openapi.json');

    expect(Object.keys((response.body as { paths: object }).paths)).toContain('/v1/auth/login');
  });
});

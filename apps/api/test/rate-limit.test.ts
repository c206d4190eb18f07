import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';

import { createClient } from 'redis';
import request from 'supertest';

import {
  connectRedis,
  createLogger,
  defaultRateLimitSettings,
  type RateLimitSettings,
} from '../src/index.js';
import { bearer, callers, expectProblem, startTestServer, type TestServer } from './helpers';

function settings(overrides: Partial<RateLimitSettings>): RateLimitSettings {
  return { ...defaultRateLimitSettings, redisPrefix: `mem0-test:${randomUUID()}:`, ...overrides };
}

const servers: TestServer[] = [];

async function serve(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
  const server = await startTestServer(...args);
  servers.push(server);
  return server;
}

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe('per-caller limit', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await serve({ rateLimit: settings({ perPrincipal: 3, perIp: 100 }) });
  });

  it('fourth request in the window is 429', async () => {
    for (let index = 0; index < 3; index++) {
      const response = await request(server.url).get('/v1/me').set(bearer(callers.writer));
      expect(response.status).toBe(200);
    }

    const limited = await request(server.url).get('/v1/me').set(bearer(callers.writer));

    const problem = expectProblem(limited, 429, 'rate_limited');
    expect(problem.detail).toContain('3 per 60 seconds');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('another key has its own budget', async () => {
    const response = await request(server.url).get('/v1/me').set(bearer(callers.reader));

    expect(response.status).toBe(200);
  });

  it('answers carry RateLimit headers', async () => {
    const response = await request(server.url).get('/v1/me').set(bearer(callers.other));

    expect(response.headers['ratelimit-policy']).toBe('3;w=60');
    expect(response.headers.ratelimit).toContain('remaining=2');
  });
});

describe('failed authentication limit', () => {
  it('too many bad tokens block the address', async () => {
    const server = await serve({ rateLimit: settings({ perPrincipal: 100, perIp: 3 }) });

    for (let index = 0; index < 3; index++) {
      const response = await request(server.url).get('/v1/me').set('Authorization', 'Bearer wrong');
      expect(response.status).toBe(401);
    }

    const limited = await request(server.url).get('/v1/me').set(bearer(callers.writer));
    const problem = expectProblem(limited, 429, 'rate_limited');
    expect(problem.detail).toMatch(/invalid credentials from this address/);
  });

  it('successful requests do not count', async () => {
    const server = await serve({ rateLimit: settings({ perPrincipal: 100, perIp: 3 }) });

    for (let index = 0; index < 6; index++) {
      const response = await request(server.url).get('/v1/me').set(bearer(callers.writer));
      expect(response.status).toBe(200);
    }
  });
});

describe('per-IP limit and X-Forwarded-For', () => {
  it('forged header does not change the key without trust proxy', async () => {
    const server = await serve({ rateLimit: settings({ perIp: 2 }) });

    const statuses: number[] = [];
    for (const forwarded of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      const response = await request(server.url)
        .get('/openapi.json')
        .set('X-Forwarded-For', forwarded);
      statuses.push(response.status);
    }

    expect(statuses).toEqual([200, 200, 429]);
  });

  it('one trusted hop keys by the forwarded address', async () => {
    const server = await serve({ rateLimit: settings({ perIp: 2 }), trustProxy: 1 });

    const statuses: number[] = [];
    for (const forwarded of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      const response = await request(server.url)
        .get('/openapi.json')
        .set('X-Forwarded-For', forwarded);
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200]);

    const again: number[] = [];
    for (let index = 0; index < 3; index++) {
      const response = await request(server.url)
        .get('/openapi.json')
        .set('X-Forwarded-For', '198.51.100.7');
      again.push(response.status);
    }
    expect(again).toEqual([200, 200, 429]);
  });

  it('only the last hop counts with one trusted hop', async () => {
    const server = await serve({ rateLimit: settings({ perIp: 2 }), trustProxy: 1 });

    // A client can prepend any address; the proxy appends the one it saw.
    const statuses: number[] = [];
    for (const forged of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
      const response = await request(server.url)
        .get('/openapi.json')
        .set('X-Forwarded-For', `${forged}, 198.51.100.9`);
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it.each([
    [['loopback'], [200, 200, 200]],
    [['127.0.0.1'], [200, 200, 200]],
    [['10.0.0.0/8'], [200, 200, 429]],
  ])('proxy list %j decides whose header counts', async (trustProxy, expected) => {
    const server = await serve({ rateLimit: settings({ perIp: 2 }), trustProxy });

    const statuses: number[] = [];
    for (const forwarded of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      const response = await request(server.url)
        .get('/openapi.json')
        .set('X-Forwarded-For', forwarded);
      statuses.push(response.status);
    }

    expect(statuses).toEqual(expected);
  });

  it('unknown routes are limited per IP', async () => {
    const server = await serve({ rateLimit: settings({ perIp: 2 }) });

    const statuses: number[] = [];
    for (let index = 0; index < 3; index++) {
      statuses.push((await request(server.url).get('/no/such/route')).status);
    }
    expect(statuses).toEqual([404, 404, 429]);
  });

  it('health checks are not limited', async () => {
    const server = await serve({ rateLimit: settings({ perIp: 1 }) });

    for (let index = 0; index < 4; index++) {
      expect((await request(server.url).get('/healthz')).status).toBe(200);
      expect((await request(server.url).get('/readyz')).status).toBe(200);
    }
  });
});

describe('limits in Redis', () => {
  const redis = createClient({ url: 'redis://127.0.0.1:6379' });
  const prefixes: string[] = [];

  beforeAll(async () => {
    await redis.connect();
  });

  afterAll(async () => {
    for (const prefix of prefixes) {
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) {
        if (keys.length > 0) {
          await redis.del(keys);
        }
      }
    }
    await redis.close();
  });

  function redisSettings(overrides: Partial<RateLimitSettings>): RateLimitSettings {
    const shared = settings(overrides);
    prefixes.push(shared.redisPrefix);
    return shared;
  }

  it('two instances share one budget', async () => {
    const shared = redisSettings({ perPrincipal: 3 });
    const first = await serve({ rateLimit: shared, redis });
    const second = await serve({ rateLimit: shared, redis });

    const statuses: number[] = [];
    for (const server of [first, second, first, second]) {
      statuses.push((await request(server.url).get('/v1/me').set(bearer(callers.writer))).status);
    }

    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('counters are stored under the prefix', async () => {
    const shared = redisSettings({ perPrincipal: 5 });
    const server = await serve({ rateLimit: shared, redis });

    await request(server.url).get('/v1/me').set(bearer(callers.writer));

    const keys: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${shared.redisPrefix}*` })) {
      keys.push(...batch);
    }
    expect(keys).toContain(`${shared.redisPrefix}principal:key:key-ana-write`);
  });

  it('separate prefixes keep separate budgets', async () => {
    const first = await serve({ rateLimit: redisSettings({ perPrincipal: 1 }), redis });
    const second = await serve({ rateLimit: redisSettings({ perPrincipal: 1 }), redis });

    expect((await request(first.url).get('/v1/me').set(bearer(callers.writer))).status).toBe(200);
    expect((await request(second.url).get('/v1/me').set(bearer(callers.writer))).status).toBe(200);
  });
});

describe('limits when Redis goes away', () => {
  it('answer at once instead of waiting for Redis', async () => {
    // A Redis server of this test's own, on a free port, that the test stops.
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const redisServer = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const logger = createLogger({ level: 'silent', name: 'test' });
    let client: Awaited<ReturnType<typeof connectRedis>> | undefined;
    try {
      for (let attempt = 0; client === undefined; attempt++) {
        client = await connectRedis(`redis://127.0.0.1:${port}`, logger, 2_000).catch(
          (error: unknown) => {
            if (attempt > 20) {
              throw error;
            }
            return new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100));
          },
        );
      }
      const server = await serve({ rateLimit: settings({}), redis: client });
      const ok = await request(server.url).get('/v1/contexts').set(bearer(callers.writer));
      expect(ok.status).toBe(200);

      redisServer.kill('SIGKILL');
      await new Promise((resolve) => redisServer.once('exit', resolve));

      const started = Date.now();
      const during = await request(server.url).get('/v1/contexts').set(bearer(callers.writer));
      expect(during.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      redisServer.kill('SIGKILL');
      client?.destroy();
    }
  });
});

import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

import express from 'express';
import { Pool } from 'pg';
import { createClient } from 'redis';

import { SqliteStore } from '@memzero/db';

import { createLogger, startServer } from '../src/index.js';
import {
  LogCapture,
  runServerProcess,
  sleep,
  startServerProcess,
  temporaryDirectory,
  waitFor,
} from './helpers';

const postgresAdminUrl =
  process.env.MEM0_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const token = 'server-test-token-0123456789abcdefghijklmnop';
const auth = { Authorization: `Bearer ${token}` };

let directory: ReturnType<typeof temporaryDirectory>;

beforeAll(() => {
  directory = temporaryDirectory('server');
});

afterAll(() => {
  directory.remove();
});

function localEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: `file:${join(directory.path, `${name}.db`)}`,
    MEM0_SERVER_TOKEN: token,
    ...extra,
  };
}

/** Send one request on its own connection and collect the response. */
function send(
  url: string,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string;
    ca?: Buffer;
  },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    const outgoing = client.request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

describe('mem0-server binary', () => {
  it('serves the API and logs JSON lines only', async () => {
    const server = await startServerProcess(localEnv('basic'));
    try {
      const health = await send(server.url, { path: '/healthz' });
      const added = await send(server.url, {
        method: 'POST',
        path: '/v1/memories',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ content: 'served by the binary' }),
      });
      const denied = await send(server.url, {
        path: '/v1/me',
        headers: { Authorization: 'Bearer nope' },
      });

      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(health.status).toBe(200);
      expect(added.status).toBe(201);
      expect(JSON.parse(added.body)).toMatchObject({
        content: 'served by the binary',
        authorId: 'local',
      });
      expect(denied.status).toBe(401);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }

    const lines = server.stdout().trim().split('\n');
    for (const line of lines) {
      expect(() => JSON.parse(line)).not.toThrow();
    }
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(
      expect.arrayContaining(['listening', 'request completed', 'stopped']),
    );
    expect(server.stdout()).not.toContain(token);
    expect(server.stderr()).toBe('');
  });

  it('SIGTERM lets a request in flight finish', async () => {
    const env = localEnv('in-flight');
    const server = await startServerProcess(env);
    const body = JSON.stringify({ content: 'written during shutdown' });
    const target = new URL(server.url);

    // Send the headers and part of the body, so the request is in flight when SIGTERM arrives.
    let outgoing!: http.ClientRequest;
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      outgoing = http.request(
        {
          host: '127.0.0.1',
          port: target.port,
          path: '/v1/memories',
          method: 'POST',
          agent: false,
          headers: {
            ...auth,
            'Content-Type': 'application/json',
            'Content-Length': String(Buffer.byteLength(body)),
          },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        },
      );
      outgoing.on('error', reject);
      outgoing.write(body.slice(0, 10));
    });
    await sleep(300);

    server.child.kill('SIGTERM');
    await waitFor(() => server.stdout().includes('shutting down'));

    // While the shutdown waits, the port takes no new connections.
    await expect(send(server.url, { path: '/healthz' })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    outgoing.end(body.slice(10));

    const response = await answer;
    expect(response.status).toBe(201);
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toContain('"msg":"stopped"');

    const store = new SqliteStore(env.DATABASE_URL!.slice('file:'.length));
    try {
      const page = await store.list({ limit: 10 });
      expect(page.items.map((memory) => memory.content)).toEqual(['written during shutdown']);
    } finally {
      await store.close();
    }
  });

  it('shutdown deadline closes a stalled request', async () => {
    const server = await startServerProcess(localEnv('stalled', { MEM0_SHUTDOWN_TIMEOUT: '1s' }));
    const target = new URL(server.url);

    const stalled = http.request({
      host: '127.0.0.1',
      port: target.port,
      path: '/v1/memories',
      method: 'POST',
      agent: false,
      headers: { ...auth, 'Content-Type': 'application/json', 'Content-Length': '1000' },
    });
    const failed = new Promise((resolve) => stalled.on('error', resolve));
    stalled.write('{"content":');
    await sleep(300);

    const started = Date.now();
    server.child.kill('SIGTERM');

    expect(await server.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    await failed;
    expect(server.stdout()).toContain('shutdown deadline passed');
  });

  it('logs and exits 1 when the port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await runServerProcess(
        localEnv('busy-port', { HOST: '127.0.0.1', PORT: String(port) }),
      );

      expect(result.code).toBe(1);
      const fatal = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
        level: number;
        msg: string;
      };
      expect(fatal.level).toBe(60);
      expect(fatal.msg).toContain(`Cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      blocker.close();
    }
  });
});

/** Remove the rate-limit counters a test left in Redis. */
async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = createClient({ url: 'redis://127.0.0.1:6379' });
  await redis.connect();
  try {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) {
      if (keys.length > 0) {
        await redis.del(keys);
      }
    }
  } finally {
    await redis.close();
  }
}

describe('mem0-server with Redis', () => {
  it('two processes share one rate limit', async () => {
    const prefix = `mem0-test:${randomUUID()}:`;
    const env = localEnv('redis-shared', {
      REDIS_URL: 'redis://127.0.0.1:6379',
      MEM0_RATE_LIMIT_MAX: '2',
      MEM0_RATE_LIMIT_REDIS_PREFIX: prefix,
    });
    const first = await startServerProcess(env);
    const second = await startServerProcess(env);
    try {
      const statuses: number[] = [];
      for (const server of [first, second, first]) {
        statuses.push((await send(server.url, { path: '/v1/me', headers: auth })).status);
      }

      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      first.child.kill('SIGTERM');
      second.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(await second.exited).toBe(0);
      await deleteRedisKeys(prefix);
    }
  });

  it('unreachable Redis stops the start-up', async () => {
    // Port 1 on the loopback interface: nothing listens there, so the connection is refused.
    const result = await runServerProcess(
      localEnv('redis-down', { PORT: '0', REDIS_URL: 'redis://:redis-password@127.0.0.1:1' }),
    );

    expect(result.code).toBe(1);
    const fatal = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { msg: string };
    expect(fatal.msg).toContain('Cannot connect to Redis at 127.0.0.1:1');
    expect(result.stdout).not.toContain('redis-password');
  });
});

describe('mem0-server configuration errors', () => {
  it('lists every bad variable on stderr without a stack', async () => {
    const result = await runServerProcess({
      DATABASE_URL: 'file:/tmp/never-created.db',
      PORT: 'eighty',
      LOG_LEVEL: 'chatty',
    });

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('mem0-server: Invalid configuration:');
    expect(result.stderr).toContain('PORT must be a whole number');
    expect(result.stderr).toContain('LOG_LEVEL must be one of');
    expect(result.stderr).toContain('MEM0_SERVER_TOKEN is missing');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('reports a missing database on stderr, even when silent', async () => {
    const result = await runServerProcess({
      DATABASE_URL: `postgresql://postgres@127.0.0.1:5432/mem0_missing_${randomBytes(4).toString('hex')}`,
      MEM0_JWT_SECRET: 'a-jwt-secret-that-is-longer-than-32-bytes',
      LOG_LEVEL: 'silent',
    });

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^mem0-server: database "mem0_missing_\w+" does not exist\. Create it/,
    );
  });

  it('reports an unreachable PostgreSQL server and exits', async () => {
    // Port 1 on the loopback address has no server, so the connection is refused at once.
    const result = await runServerProcess({
      DATABASE_URL: 'postgresql://postgres:hunter2secret@127.0.0.1:1/mem0',
      MEM0_JWT_SECRET: 'a-jwt-secret-that-is-longer-than-32-bytes',
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('mem0-server: Cannot reach the database of DATABASE_URL');
    expect(result.stdout + result.stderr).not.toContain('hunter2secret');
  });
});

describe('mem0-server in team mode', () => {
  const name = `mem0_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: postgresAdminUrl, max: 1 });
  let url: string;

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${name}`);
    const target = new URL(postgresAdminUrl);
    target.pathname = `/${name}`;
    url = target.toString();
  });

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('migrates, registers the first user as admin and stops on SIGTERM', async () => {
    const server = await startServerProcess({
      DATABASE_URL: url,
      MEM0_JWT_SECRET: randomBytes(32).toString('base64url'),
    });
    try {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);

      const register = await fetch(`${server.url}/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'root@example.com', password: 'a long password' }),
      });
      expect(register.status).toBe(201);
      const tokens = (await register.json()) as { user: { isAdmin: boolean } };
      expect(tokens.user.isAdmin).toBe(true);

      const second = await fetch(`${server.url}/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // A short password too: the policy is checked first, so the answer names the policy.
        body: JSON.stringify({ email: 'next@example.com', password: 'short' }),
      });
      expect(second.status).toBe(403);
      expect(((await second.json()) as { detail: string }).detail).toContain(
        'MEM0_REGISTRATION=first-user',
      );
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
    expect(server.stdout()).not.toContain('a long password');
  });
});

const opensslAvailable = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

(opensslAvailable ? describe : describe.skip)('mem0-server over HTTPS', () => {
  let certFile: string;
  let keyFile: string;

  beforeAll(() => {
    certFile = join(directory.path, 'cert.pem');
    keyFile = join(directory.path, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
  });

  it('serves HTTPS with the given certificate', async () => {
    const server = await startServerProcess(
      localEnv('tls', { MEM0_TLS_CERT: certFile, MEM0_TLS_KEY: keyFile }),
    );
    try {
      const response = await send(server.url, {
        path: '/v1/me',
        headers: auth,
        ca: readFileSync(certFile),
      });

      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({
        userId: 'local',
        via: 'local_token',
        scope: 'write',
      });
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  it('unreadable certificate fails with a clear message', async () => {
    const missing = join(directory.path, 'missing.pem');
    const result = await runServerProcess(
      localEnv('tls-missing', { MEM0_TLS_CERT: missing, MEM0_TLS_KEY: keyFile }),
    );

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `MEM0_TLS_CERT names ${missing}, which cannot be read (ENOENT)`,
    );
  });

  it('a key that is not PEM fails with a clear message', async () => {
    const result = await runServerProcess(
      localEnv('tls-bad', { MEM0_TLS_CERT: certFile, MEM0_TLS_KEY: certFile }),
    );

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'MEM0_TLS_CERT and MEM0_TLS_KEY must hold a PEM certificate and its private key',
    );
  });
});

describe('startServer', () => {
  it('shutdown waits for a slow handler', async () => {
    const app = express();
    let finished = false;
    let arrived!: () => void;
    const handlerStarted = new Promise<void>((resolve) => (arrived = resolve));
    app.get('/slow', async (_request, response) => {
      arrived();
      await sleep(400);
      finished = true;
      response.json({ done: true });
    });
    const logs = new LogCapture();
    const running = await startServer(
      { host: '127.0.0.1', port: 0, shutdownTimeoutMs: 5_000 },
      app,
      { logger: createLogger({ destination: logs }), signals: false },
    );

    const answer = send(running.url, { path: '/slow' });
    await handlerStarted;
    await running.shutdown('test');

    expect(finished).toBe(true);
    expect(await answer).toEqual({ status: 200, body: '{"done":true}' });
    expect(logs.records().map((record) => record.msg)).toEqual([
      'listening',
      'shutting down: finishing requests in flight',
      'stopped',
    ]);
  });

  it('runs onShutdown once after the server closed', async () => {
    const calls: string[] = [];
    const running = await startServer(
      { host: '127.0.0.1', port: 0, shutdownTimeoutMs: 1_000 },
      express(),
      {
        signals: false,
        onShutdown: async () => {
          calls.push(running.server.listening ? 'still listening' : 'closed');
        },
      },
    );

    await Promise.all([running.shutdown(), running.shutdown()]);
    await running.closed;

    expect(calls).toEqual(['closed']);
  });
});

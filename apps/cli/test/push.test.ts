import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { Pool } from 'pg';

import { type Config, createAuthService, createLogger, createTeamApp } from '@memzero/api';
import { ApiClient, RemoteStore } from '@memzero/client';
import type { Memory } from '@memzero/core';
import { PostgresDatabase } from '@memzero/db/postgres';

import {
  childEnvironment,
  cliPath,
  createHome,
  outputLines,
  parseJson,
  removeHome,
  runCli,
  runInTerminal,
  sleep,
  terminalAvailable,
} from './helpers';

const adminUrl =
  process.env.MEM0_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const databaseName = `mem0_test_${randomBytes(6).toString('hex')}`;
const memoryCount = 4_000;

let admin: Pool;
let database: PostgresDatabase;
let server: Server;
let serverUrl: string;
let home: string;
let writeKey: string;
let otherWriteKey: string;
let readKey: string;

interface PushJson {
  server: string;
  copied: number;
  alreadyPresent: number;
  rejected: number;
  rejects: { id: string; reason: string }[];
}

/** Register an account on the test server and return a new API key of it with `scope`. */
async function accountKey(email: string, scope: 'read' | 'write'): Promise<string> {
  const registered = await fetch(`${serverUrl}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery' }),
  });
  const { accessToken } = (await registered.json()) as { accessToken: string };
  const created = await fetch(`${serverUrl}/v1/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ name: 'push test', scope }),
  });
  return ((await created.json()) as { key: string }).key;
}

function pushEnvironment(key: string): Record<string, string> {
  return { MEM0_SERVER: serverUrl, MEM0_API_KEY: key };
}

/** Read the memories stored on the server for the account of `key`, oldest first. */
async function serverMemories(key: string): Promise<Memory[]> {
  const store = new RemoteStore(
    new ApiClient({ baseUrl: serverUrl, credentials: { kind: 'api_key', key } }),
  );
  const memories: Memory[] = [];
  for await (const memory of store.exportMemories({})) {
    memories.push(memory);
  }
  return memories;
}

async function countServerMemories(): Promise<number> {
  const { rows } = await database.pool.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM memories',
  );
  return rows[0]!.count;
}

/** Wait until no other connection to the test database runs a statement or a transaction. */
async function waitForIdleDatabase(): Promise<void> {
  for (;;) {
    const { rows } = await database.pool.query<{ busy: number }>(
      `SELECT count(*)::int AS busy FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
    );
    if (rows[0]!.busy === 0) {
      return;
    }
    await sleep(100);
  }
}

/** Four thousand import lines over three contexts, with tags, metadata and distinct times. */
function importLines(): string {
  const start = Date.parse('2024-01-01T00:00:00.000Z');
  const lines: string[] = [];
  for (let index = 0; index < memoryCount; index++) {
    lines.push(
      JSON.stringify({
        content: `Memory number ${index}: the build of module ${index % 97} needs flag --fast-${index % 13}`,
        context: ['alpha', 'beta', 'gamma'][index % 3],
        tags: [`group-${index % 7}`, 'pushed'],
        metadata: {
          index,
          owner: index % 2 === 0 ? 'ana' : 'ben',
          nested: { even: index % 2 === 0 },
        },
        createdAt: new Date(start + index * 60_000).toISOString(),
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  admin = new Pool({ connectionString: adminUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${databaseName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${databaseName}`;
  database = new PostgresDatabase(url.toString());
  await database.migrate();

  const config = { registration: 'open', refreshTokenTtlSeconds: 3_600 } as Config;
  const auth = createAuthService(database, config, {
    algorithm: 'HS256',
    secret: randomBytes(32).toString('base64url'),
    issuer: 'mem0-server',
    audience: 'mem0-api',
    lifetimeSeconds: 900,
  });
  const app = createTeamApp({
    database,
    auth,
    logger: createLogger({ level: 'silent', name: 'push-test' }),
  });
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  writeKey = await accountKey('pusher@example.com', 'write');
  otherWriteKey = await accountKey('other@example.com', 'write');
  readKey = await accountKey('reader@example.com', 'read');

  home = createHome('push');
  const file = join(home, 'memories.jsonl');
  writeFileSync(file, importLines(), 'utf8');
  const imported = await runCli(['import', file, '--json'], { home, timeoutMs: 60_000 });
  expect(imported.code).toBe(0);
  expect(parseJson<{ added: number }>(imported.stdout).added).toBe(memoryCount);
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await database?.close();
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.end();
  removeHome(home);
});

describe('mem0 push', () => {
  it('resumes after a kill, then copies nothing twice', async () => {
    // Start a push and kill it once the server has stored some of its batches.
    const child = spawn(process.execPath, [cliPath, 'push'], {
      env: childEnvironment({ home, env: pushEnvironment(writeKey) }),
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    const deadline = Date.now() + 30_000;
    while ((await countServerMemories()) < 1_000 && Date.now() < deadline) {
      await sleep(50);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // A batch in flight when the client died may still commit on the server, and its count
    // shows only when it commits: wait until no other connection to the database is busy.
    await waitForIdleDatabase();
    const copiedBeforeKill = await countServerMemories();
    expect(copiedBeforeKill).toBeGreaterThanOrEqual(1_000);
    expect(copiedBeforeKill).toBeLessThan(memoryCount);

    const resumed = await runCli(['push', '--json'], {
      home,
      env: pushEnvironment(writeKey),
      timeoutMs: 120_000,
    });
    expect(resumed.code).toBe(0);
    const resumedSummary = parseJson<PushJson>(resumed.stdout);
    expect(resumedSummary).toMatchObject({
      server: serverUrl,
      copied: memoryCount - copiedBeforeKill,
      alreadyPresent: copiedBeforeKill,
      rejected: 0,
    });

    const again = await runCli(['push'], {
      home,
      env: pushEnvironment(writeKey),
      timeoutMs: 120_000,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      `Pushed to ${serverUrl}: 0 copied, ${memoryCount} already present, 0 rejected.\n`,
    );
    expect(await countServerMemories()).toBe(memoryCount);
  }, 300_000);

  it('copies every field of every memory', async () => {
    const exported = await runCli(['export'], { home, timeoutMs: 30_000 });
    const local = outputLines(exported.stdout).map((line) => parseJson<Memory>(line));
    const remote = await serverMemories(writeKey);
    const fields = (memory: Memory) => ({
      id: memory.id,
      content: memory.content,
      context: memory.context,
      tags: memory.tags,
      metadata: memory.metadata,
      createdAt: memory.createdAt,
      updatedAt: memory.updatedAt,
    });

    expect(local).toHaveLength(memoryCount);
    expect(remote).toHaveLength(memoryCount);
    expect(new Set(remote.map((memory) => memory.id)).size).toBe(memoryCount);
    expect(remote.map(fields)).toEqual(local.map(fields));
  });

  (terminalAvailable ? it : it.skip)(
    'draws a progress bar on a terminal',
    async () => {
      const result = await runInTerminal(['push'], {
        home,
        env: pushEnvironment(writeKey),
        timeoutMs: 60_000,
      });

      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`/${memoryCount} | `);
      expect(result.stdout).toContain('Pushing [');
      expect(result.stdout).toContain(`0 copied, ${memoryCount} already present, 0 rejected.`);
    },
    60_000,
  );

  it('copies one context only', async () => {
    const smallHome = createHome('push-context');
    try {
      for (const [content, context] of [
        ['kept here', 'keep'],
        ['left behind', 'skip'],
      ]) {
        const added = await runCli(['add', content!, '--context', context!], { home: smallHome });
        expect(added.code).toBe(0);
      }
      const result = await runCli(['push', '--context', 'keep', '--json'], {
        home: smallHome,
        env: pushEnvironment(otherWriteKey),
      });
      const remote = await serverMemories(otherWriteKey);

      expect(result.code).toBe(0);
      expect(parseJson<PushJson>(result.stdout)).toMatchObject({ copied: 1, alreadyPresent: 0 });
      expect(remote.map((memory) => [memory.content, memory.context])).toEqual([
        ['kept here', 'keep'],
      ]);
    } finally {
      removeHome(smallHome);
    }
  });

  it('reports rejected memories and exits with 1', async () => {
    const smallHome = createHome('push-rejects');
    try {
      const [taken] = await serverMemories(writeKey);
      const file = join(smallHome, 'few.jsonl');
      writeFileSync(
        file,
        [
          JSON.stringify({ id: taken!.id, content: 'an id of another account' }),
          JSON.stringify({ content: 'a fresh memory' }),
        ].join('\n'),
      );
      expect((await runCli(['import', file], { home: smallHome })).code).toBe(0);
      const result = await runCli(['push'], {
        home: smallHome,
        env: pushEnvironment(otherWriteKey),
      });

      expect(result.code).toBe(1);
      expect(result.stdout).toBe(
        `Pushed to ${serverUrl}: 1 copied, 0 already present, 1 rejected.\n`,
      );
      expect(result.stderr).toContain(
        `${taken!.id}: The id ${taken!.id} is already used by another account.`,
      );
    } finally {
      removeHome(smallHome);
    }
  });

  it.each([
    ['no server', { MEM0_SERVER: undefined, MEM0_API_KEY: 'x' }, 2, 'MEM0_SERVER is not'],
    ['no key', { MEM0_API_KEY: undefined }, 2, 'MEM0_API_KEY is not'],
    ['the local profile', { MEM0_SERVER: undefined }, 2, 'needs a team server'],
    ['a read key', { MEM0_API_KEY: 'read' }, 1, 'can only read'],
    ['an unknown key', { MEM0_API_KEY: 'mem0_sk_unknownunknownunknownunknown' }, 1, 'error:'],
  ])('fails with %s', async (_name, env, code, message) => {
    const variables: Record<string, string | undefined> = { MEM0_SERVER: serverUrl, ...env };
    if (variables.MEM0_API_KEY === 'read') {
      variables.MEM0_API_KEY = readKey;
    }
    const result = await runCli(['push'], { home, env: variables });

    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toContain(readKey);
  });

  it('fails clearly on an unreachable server', async () => {
    // A port that was free a moment ago, where nothing listens.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const result = await runCli(['push'], {
      home,
      env: { MEM0_SERVER: `http://127.0.0.1:${port}`, MEM0_API_KEY: writeKey },
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot reach the mem0 server at http://127.0.0.1:${port}`);
    expect(result.stderr).not.toContain(writeKey);
  });
});

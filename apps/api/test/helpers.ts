import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';

import type { Express } from 'express';

import { Mem0Error, type MemoryStore } from '@memzero/core';
import { SqliteStore } from '@memzero/db';

import { type AppOptions, createApp, createLogger, type Principal } from '../src/index.js';

/** The built server binary. The tests that run it need `pnpm build` first. */
export const binPath = resolve(__dirname, '../dist/bin.js');

/** Create a directory under the system temp folder, removed by `remove`. */
export function temporaryDirectory(label: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `mem0-api-test-${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Collects the JSON lines a pino logger writes. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line.length > 0),
    );
    done();
  }

  records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** The credentials the test apps accept, and who each one is. */
export const callers = {
  writer: {
    token: 'token-of-ana-with-write-scope',
    userId: 'ana',
    scope: 'write',
    via: 'api_key',
    keyId: 'key-ana-write',
  },
  reader: {
    token: 'token-of-ana-with-read-scope',
    userId: 'ana',
    scope: 'read',
    via: 'api_key',
    keyId: 'key-ana-read',
  },
  other: {
    token: 'token-of-ben-session',
    userId: 'ben',
    scope: 'write',
    via: 'session',
    sessionId: 'session-ben',
  },
} as const;

export function principalFor(caller: (typeof callers)[keyof typeof callers]): Principal {
  const { token: _token, ...principal } = caller;
  return principal as Principal;
}

export const authenticateTestToken = async (token: string): Promise<Principal> => {
  const caller = Object.values(callers).find((candidate) => candidate.token === token);
  if (caller === undefined) {
    throw new Mem0Error('unauthenticated', 'The bearer token is not valid.');
  }
  return principalFor(caller);
};

export function bearer(caller: (typeof callers)[keyof typeof callers]): Record<string, string> {
  return { Authorization: `Bearer ${caller.token}` };
}

/** Insert a user row, which a store needs before it can create that user's contexts. */
export function addUser(store: SqliteStore, userId: string): void {
  store.database
    .prepare('INSERT OR IGNORE INTO users (id, created_at) VALUES (?, ?)')
    .run(userId, new Date().toISOString());
}

/** One SQLite file with a store per user, each bound to its user. */
export class UserStores {
  readonly directory = temporaryDirectory('stores');
  readonly file = join(this.directory.path, 'mem0.db');
  private readonly stores = new Map<string, SqliteStore>();

  storeFor = (principal: Principal): MemoryStore => this.store(principal.userId);

  store(userId: string): SqliteStore {
    let store = this.stores.get(userId);
    if (store === undefined) {
      store = new SqliteStore(this.file, { userId });
      addUser(store, userId);
      this.stores.set(userId, store);
    }
    return store;
  }

  async close(): Promise<void> {
    for (const store of this.stores.values()) {
      await store.close();
    }
    this.directory.remove();
  }
}

export interface TestServer {
  url: string;
  app: Express;
  logs: LogCapture;
  stores: UserStores;
  close(): Promise<void>;
}

/**
 * Build an app on a fresh SQLite file with the test callers and listen on 127.0.0.1 with a
 * free port. `overrides` replace any app option.
 */
export async function startTestServer(overrides: Partial<AppOptions> = {}): Promise<TestServer> {
  const logs = new LogCapture();
  const stores = new UserStores();
  const app = createApp({
    authenticate: authenticateTestToken,
    storeFor: stores.storeFor,
    ready: async () => undefined,
    logger: createLogger({ level: 'debug', destination: logs }),
    ...overrides,
  });
  const server = await listenOnLoopback(app);

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    app,
    logs,
    stores,
    async close() {
      await closeServer(server);
      await stores.close();
    },
  };
}

export function listenOnLoopback(app: Express): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const server = app.listen(0, '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolvePromise(server),
    );
  });
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolvePromise) => server.close(() => resolvePromise()));
}

/** A problem+json body as the API sends it. */
export interface ProblemJson {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  [extension: string]: unknown;
}

/** Check the shape that every error response shares, and return its body. */
export function expectProblem(
  response: { status: number; headers: Record<string, string>; body: unknown },
  status: number,
  code: string,
): ProblemJson {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.body as ProblemJson;
  expect({ status: response.status, code: body.code }).toEqual({ status, code });
  expect(body.status).toBe(status);
  expect(body.type).toBe(`urn:mem0:problem:${code}`);
  expect(typeof body.title).toBe('string');
  expect(body.title.length).toBeGreaterThan(0);
  expect(typeof body.detail).toBe('string');
  expect(body.detail.length).toBeGreaterThan(0);
  expect(body.requestId).toBe(response.headers['x-request-id']);
  return body;
}

export interface ServerProcess {
  child: ChildProcess;
  /** The URL from the `listening` log line. */
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code, or the signal name when a signal ended the process. */
  exited: Promise<number | string>;
}

/**
 * Start the built `mem0-server` with `env` added to a clean environment, and wait for its
 * `listening` log line.
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  if (!existsSync(binPath)) {
    throw new Error(`${binPath} does not exist. Run "pnpm --filter @memzero/api build" first.`);
  }
  const child = spawn(process.execPath, [binPath], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | string>((resolvePromise) =>
    child.on('exit', (code, signal) => resolvePromise(code ?? signal ?? 'unknown')),
  );

  const url = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line:\n${stdout}\n${stderr}`)),
      15_000,
    );
    const check = () => {
      const match = /"url":"([^"]+)","msg":"listening"/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mem0-server exited with ${code} before listening:\n${stdout}\n${stderr}`));
    });
  });

  return { child, url, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Run the built `mem0-server` until it exits by itself, for start-up failures. */
export function runServerProcess(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [binPath], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}

/** Wait until `condition` holds, checking every 20 ms; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`The condition did not hold within ${timeoutMs} ms.`);
    }
    await sleep(20);
  }
}

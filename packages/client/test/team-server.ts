import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Pool } from 'pg';

import { createLogger, createTeamApp, defaultRateLimitSettings } from '@memzero/api';
import { AuthService } from '@memzero/auth';
import { PostgresAccountRepository, PostgresDatabase } from '@memzero/db/postgres';

/** The PostgreSQL server on which each test file creates and drops a database of its own. */
const adminUrl =
  process.env.MEM0_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export const testPassword = 'correct horse battery';

/** A fault the proxy injects into the next `times` requests that match. */
export interface Fault {
  method: string;
  path: string;
  /**
   * `respond`: reply with `status` without forwarding. `after-forward`: forward, let the
   * server do the work, then reply with `status` instead of the server's response. `drop`:
   * close the connection without a response.
   */
  kind: 'respond' | 'after-forward' | 'drop';
  status?: number;
  retryAfter?: string;
  times?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  /** The status the client received; 0 for a dropped connection. */
  status: number;
  at: number;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of the team server. It logs every request that reaches
 * it and injects the faults it is given, to test how the client retries and refreshes.
 */
export class FaultProxy {
  readonly log: LoggedRequest[] = [];
  private readonly faults: Required<Fault>[] = [];
  private server: Server | undefined;

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch(() => response.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  inject(fault: Fault): void {
    this.faults.push({ status: 503, retryAfter: '', times: 1, ...fault });
  }

  /** The logged requests with this method and path. */
  requests(method: string, path: string): LoggedRequest[] {
    return this.log.filter((entry) => entry.method === method && entry.path === path);
  }

  clear(): void {
    this.log.length = 0;
    this.faults.length = 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private takeFault(method: string, path: string): Required<Fault> | undefined {
    const index = this.faults.findIndex((fault) => fault.method === method && fault.path === path);
    if (index === -1) {
      return undefined;
    }
    const fault = this.faults[index]!;
    fault.times--;
    if (fault.times <= 0) {
      this.faults.splice(index, 1);
    }
    return fault;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) {
      chunks.push(chunk as Buffer);
    }
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const entry: LoggedRequest = { method, path, status: 0, at: Date.now() };
    this.log.push(entry);

    const fault = this.takeFault(method, path);
    if (fault?.kind === 'drop') {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'respond') {
      this.sendFault(response, fault, entry);
      return;
    }

    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'accept', 'user-agent']) {
      const value = request.headers[name];
      if (typeof value === 'string') {
        headers[name] = value;
      }
    }
    const upstream = await fetch(`${this.target}${request.url ?? '/'}`, {
      method,
      headers,
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
    const payload = Buffer.from(await upstream.arrayBuffer());
    if (fault?.kind === 'after-forward') {
      this.sendFault(response, fault, entry);
      return;
    }

    entry.status = upstream.status;
    const forwarded: Record<string, string> = {};
    for (const name of ['content-type', 'retry-after', 'location', 'www-authenticate']) {
      const value = upstream.headers.get(name);
      if (value !== null) {
        forwarded[name] = value;
      }
    }
    response.writeHead(upstream.status, forwarded);
    response.end(payload);
  }

  private sendFault(response: ServerResponse, fault: Required<Fault>, entry: LoggedRequest): void {
    entry.status = fault.status;
    const code =
      fault.status === 429
        ? 'rate_limited'
        : fault.status === 500
          ? 'internal'
          : 'store_unavailable';
    response.writeHead(fault.status, {
      'content-type': 'application/problem+json',
      ...(fault.retryAfter === '' ? {} : { 'retry-after': fault.retryAfter }),
    });
    response.end(
      JSON.stringify({
        type: `urn:mem0:problem:${code}`,
        title: 'Injected fault',
        status: fault.status,
        detail: `Injected ${fault.status} from the test proxy.`,
        code,
        requestId: 'req-injected',
      }),
    );
  }
}

export interface TeamServer {
  /** The proxy's URL, which clients use. */
  url: string;
  /** The team server's own URL. */
  directUrl: string;
  proxy: FaultProxy;
  database: PostgresDatabase;
  /** Moves the server's clock, which decides when access tokens expire, in milliseconds. */
  advanceClock(ms: number): void;
  close(): Promise<void>;
}

/**
 * Create a migrated database with a random name, start a team app on it on 127.0.0.1 with
 * open registration, and put a `FaultProxy` in front of it. `close` stops both and drops the
 * database.
 */
export async function startTeamServer(
  options: { accessTokenLifetimeSeconds?: number } = {},
): Promise<TeamServer> {
  const name = `mem0_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = new PostgresDatabase(url.toString());
  await database.migrate();

  let clockOffsetMs = 0;
  const auth = new AuthService(new PostgresAccountRepository(database.pool), {
    accessTokens: {
      algorithm: 'HS256',
      secret: randomBytes(32).toString('base64url'),
      issuer: 'mem0-server',
      audience: 'mem0-api',
      lifetimeSeconds: options.accessTokenLifetimeSeconds ?? 900,
    },
    registration: 'open',
    sessionLifetimeSeconds: 30 * 24 * 3600,
    now: () => Date.now() + clockOffsetMs,
  });
  const app = createTeamApp({
    database,
    auth,
    logger: createLogger({ level: 'silent', name: 'client-test' }),
    rateLimit: {
      ...defaultRateLimitSettings,
      perPrincipal: 100_000,
      perIp: 100_000,
      credentials: { windowMs: 60_000, perIp: 10_000, perAccount: 10_000 },
    },
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const directUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const proxy = new FaultProxy(directUrl);
  const proxyUrl = await proxy.start();

  return {
    url: proxyUrl,
    directUrl,
    proxy,
    database,
    advanceClock(ms) {
      clockOffsetMs += ms;
    },
    async close() {
      await proxy.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** Register an account directly on the server and return its tokens. */
export async function registerAccount(
  baseUrl: string,
  email: string,
): Promise<{ accessToken: string; refreshToken: string; expiresIn: number; user: { id: string } }> {
  const response = await fetch(`${baseUrl}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: testPassword }),
  });
  if (response.status !== 201) {
    throw new Error(
      `Registration of ${email} failed with ${response.status}: ${await response.text()}`,
    );
  }
  return (await response.json()) as {
    accessToken: string;
    refreshToken: string;
    expiresIn: number;
    user: { id: string };
  };
}

/** Create an API key with `scope` for a session's access token and return the key. */
export async function createKey(
  baseUrl: string,
  accessToken: string,
  scope: 'read' | 'write',
): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ name: `test ${scope}`, scope }),
  });
  if (response.status !== 201) {
    throw new Error(`Key creation failed with ${response.status}: ${await response.text()}`);
  }
  return ((await response.json()) as { key: string }).key;
}

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';

import { Pool } from 'pg';

import { type Config, createAuthService, createLogger, createTeamApp } from '@memzero/api';
import { PostgresDatabase } from '@memzero/db/postgres';

/** The PostgreSQL server on which each test file creates and drops a database of its own. */
const adminUrl =
  process.env.MEM0_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export const testPassword = 'correct horse battery';

export interface TeamServer {
  /** The base URL, http://127.0.0.1:PORT. */
  url: string;
  /** Run SQL on the server's database, to check what the server stored. */
  query<T extends object>(sql: string, values?: unknown[]): Promise<T[]>;
  /** Stop the server and drop its database. */
  close(): Promise<void>;
}

export interface TeamServerOptions {
  /** The lifetime of access tokens; a few seconds makes the CLI refresh its session. */
  accessTokenLifetimeSeconds?: number;
  registration?: 'open' | 'first-user' | 'closed';
}

/**
 * Start a team server (`createTeamApp`) on 127.0.0.1 with a free port, on a new migrated
 * PostgreSQL database with a random name.
 */
export async function startTeamServer(options: TeamServerOptions = {}): Promise<TeamServer> {
  const name = `mem0_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);

  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${name}`;
  const database = new PostgresDatabase(databaseUrl.toString());
  await database.migrate();

  const config = {
    registration: options.registration ?? 'open',
    refreshTokenTtlSeconds: 3_600,
  } as Config;
  const auth = createAuthService(database, config, {
    algorithm: 'HS256',
    secret: randomBytes(32).toString('base64url'),
    issuer: 'mem0-server',
    audience: 'mem0-api',
    lifetimeSeconds: options.accessTokenLifetimeSeconds ?? 900,
  });
  const app = createTeamApp({
    database,
    auth,
    logger: createLogger({ level: 'silent', name: 'test' }),
  });
  const server: Server = await new Promise((resolvePromise, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolvePromise(listening),
    );
  });

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async query<T extends object>(sql: string, values: unknown[] = []) {
      return (await database.pool.query(sql, values)).rows as T[];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
      await database.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string };
}

/** Register an account over HTTP and return its tokens. */
export async function registerAccount(url: string, email: string): Promise<Tokens> {
  const response = await fetch(`${url}/v1/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: testPassword }),
  });
  if (response.status !== 201) {
    throw new Error(`register ${email} returned ${response.status}: ${await response.text()}`);
  }
  return (await response.json()) as Tokens;
}

/** Create an API key with an access token and return the key and its id. */
export async function createApiKey(
  url: string,
  accessToken: string,
  scope: 'read' | 'write',
): Promise<{ id: string; key: string }> {
  const response = await fetch(`${url}/v1/api-keys`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ name: `test-${scope}`, scope }),
  });
  if (response.status !== 201) {
    throw new Error(`creating a key returned ${response.status}: ${await response.text()}`);
  }
  return (await response.json()) as { id: string; key: string };
}

/** Return a port on 127.0.0.1 on which nothing listens, for the unreachable-server cases. */
export async function unusedPort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolvePromise(port));
    });
  });
}

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Pool } from 'pg';
import request from 'supertest';

import { PostgresDatabase, type PostgresDatabaseOptions } from '@memzero/db/postgres';

import { createLogger, createTeamApp, type TeamAppOptions } from '../src/index.js';
import { createAuthService } from '../src/team.js';
import type { Config } from '../src/config.js';
import { closeServer, listenOnLoopback } from './helpers.js';

/** The PostgreSQL server on which each test file creates and drops a database of its own. */
export const adminUrl =
  process.env.MEM0_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export const testPassword = 'correct horse battery';

export interface TemporaryDatabase {
  /** The connection string of the new database. */
  url: string;
  /** Drop the database, ending any connection that is still open. */
  drop(): Promise<void>;
}

/** Create a migrated database with a random name on the test server. */
export async function createTemporaryDatabase(): Promise<TemporaryDatabase> {
  const name = `mem0_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const migrator = new PostgresDatabase(url.toString());
  try {
    await migrator.migrate();
  } finally {
    await migrator.close();
  }

  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export interface TeamServer {
  url: string;
  database: PostgresDatabase;
  /** Stop the HTTP server and close the pool. */
  close(): Promise<void>;
}

/**
 * Build a team app with open registration on `databaseUrl` and listen on 127.0.0.1 with a free
 * port. `options.app` replaces the app's defaults, such as its logger or rate limits.
 */
export async function startTeamServer(
  databaseUrl: string,
  options: {
    database?: PostgresDatabaseOptions;
    app?: Partial<Omit<TeamAppOptions, 'database' | 'auth'>>;
  } = {},
): Promise<TeamServer> {
  const database = new PostgresDatabase(databaseUrl, options.database);
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
    logger: createLogger({ level: 'silent', name: 'test' }),
    ...options.app,
  });
  const server: Server = await listenOnLoopback(app);

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    database,
    async close() {
      await closeServer(server);
      await database.close();
    },
  };
}

export interface RegisteredUser {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string };
}

/** Register an account over HTTP and return its tokens; fails the test on any other status. */
export async function registerUser(base: string, email: string): Promise<RegisteredUser> {
  const response = await request(base)
    .post('/v1/auth/register')
    .send({ email, password: testPassword });
  expect(response.status).toBe(201);
  return response.body as RegisteredUser;
}

export function bearerHeader(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

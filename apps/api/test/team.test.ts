import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import jwt from 'jsonwebtoken';
import { Pool } from 'pg';
import request from 'supertest';

import { PostgresDatabase } from '@memzero/db/postgres';

import { createLogger, createTeamApp } from '../src/index.js';
import { createAuthService } from '../src/team.js';
import type { Config } from '../src/config.js';
import { closeServer, expectProblem, listenOnLoopback } from './helpers.js';

const adminUrl =
  process.env.MEM0_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const secret = randomBytes(32).toString('base64url');
const issuer = 'mem0-server';
const audience = 'mem0-api';

describe('team server on PostgreSQL', () => {
  const name = `mem0_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  let database: PostgresDatabase;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    database = new PostgresDatabase(url.toString());
    await database.migrate();

    const config = {
      registration: 'open',
      refreshTokenTtlSeconds: 3_600,
    } as Config;
    const auth = createAuthService(database, config, {
      algorithm: 'HS256',
      secret,
      issuer,
      audience,
      lifetimeSeconds: 900,
    });
    const app = createTeamApp({
      database,
      auth,
      logger: createLogger({ level: 'silent', name: 'test' }),
    });
    server = await listenOnLoopback(app);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await closeServer(server);
    await database.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  const register = async (email: string) => {
    const response = await request(base)
      .post('/v1/auth/register')
      .send({ email, password: 'correct horse battery' });
    expect(response.status).toBe(201);
    return response.body as {
      accessToken: string;
      refreshToken: string;
      expiresIn: number;
      user: { id: string };
    };
  };
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('registers with tokens and logs in', async () => {
    const tokens = await register('ada@example.com');
    expect(tokens.expiresIn).toBe(900);
    expect(tokens.refreshToken).toMatch(/^m0r_/);

    const me = await request(base).get('/v1/me').set(auth(tokens.accessToken));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'ada@example.com', isAdmin: true, via: 'session' });
    expect(me.body).not.toHaveProperty('passwordHash');

    const login = await request(base)
      .post('/v1/auth/login')
      .send({ email: 'ADA@example.com', password: 'correct horse battery' });
    expect(login.status).toBe(200);
    expect(login.headers['cache-control']).toBe('no-store');
  });

  it('describes the account routes in the OpenAPI document', async () => {
    const response = await request(base).get('/openapi.json');
    const paths = Object.keys((response.body as { paths: object }).paths);

    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/auth/register',
        '/v1/auth/login',
        '/v1/auth/refresh',
        '/v1/auth/logout',
        '/v1/api-keys',
        '/v1/api-keys/{id}',
        '/v1/memories',
        '/v1/search',
      ]),
    );
  });

  it('rejects a wrong password and a taken email', async () => {
    await register('bea@example.com');

    const wrong = await request(base)
      .post('/v1/auth/login')
      .send({ email: 'bea@example.com', password: 'not the password' });
    expectProblem(wrong, 401, 'unauthenticated');

    const taken = await request(base)
      .post('/v1/auth/register')
      .send({ email: 'bea@example.com', password: 'another long password' });
    expectProblem(taken, 409, 'conflict');

    const short = await request(base)
      .post('/v1/auth/register')
      .send({ email: 'cy@example.com', password: 'short' });
    expectProblem(short, 422, 'validation_failed');
  });

  it('rotates refresh tokens and revokes the family on reuse', async () => {
    const first = await register('dan@example.com');

    const second = await request(base)
      .post('/v1/auth/refresh')
      .send({ refreshToken: first.refreshToken });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);

    const reused = await request(base)
      .post('/v1/auth/refresh')
      .send({ refreshToken: first.refreshToken });
    expectProblem(reused, 401, 'unauthenticated');

    const afterReuse = await request(base)
      .post('/v1/auth/refresh')
      .send({ refreshToken: second.body.refreshToken });
    expectProblem(afterReuse, 401, 'unauthenticated');
    const access = await request(base).get('/v1/me').set(auth(second.body.accessToken));
    expectProblem(access, 401, 'unauthenticated');
  });

  it('ends a session at logout', async () => {
    const tokens = await register('eve@example.com');

    const logout = await request(base)
      .post('/v1/auth/logout')
      .send({ refreshToken: tokens.refreshToken });
    expect(logout.status).toBe(204);

    const refresh = await request(base)
      .post('/v1/auth/refresh')
      .send({ refreshToken: tokens.refreshToken });
    expectProblem(refresh, 401, 'unauthenticated');
    expectProblem(
      await request(base).get('/v1/me').set(auth(tokens.accessToken)),
      401,
      'unauthenticated',
    );
  });

  it('enforces API key scopes and revocation', async () => {
    const owner = await register('fay@example.com');
    const created = await request(base)
      .post('/v1/api-keys')
      .set(auth(owner.accessToken))
      .send({ name: 'reader', scope: 'read' });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^m0k_[A-Za-z0-9_-]{43}$/);

    const listed = await request(base).get('/v1/api-keys').set(auth(owner.accessToken));
    expect(listed.body.items).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(key);

    const search = await request(base).post('/v1/search').set(auth(key)).send({ query: 'x' });
    expect(search.status).toBe(200);
    const write = await request(base).post('/v1/memories').set(auth(key)).send({ content: 'x' });
    expectProblem(write, 403, 'forbidden');
    const mint = await request(base)
      .post('/v1/api-keys')
      .set(auth(key))
      .send({ name: 'escalate', scope: 'write' });
    expectProblem(mint, 403, 'forbidden');

    const writer = await request(base)
      .post('/v1/api-keys')
      .set(auth(owner.accessToken))
      .send({ name: 'writer', scope: 'write' });
    const mintWithWriteKey = await request(base)
      .post('/v1/api-keys')
      .set(auth(writer.body.key as string))
      .send({ name: 'copy', scope: 'write' });
    expectProblem(mintWithWriteKey, 403, 'forbidden');
    const revokeWithKey = await request(base)
      .delete(`/v1/api-keys/${created.body.id}`)
      .set(auth(writer.body.key as string));
    expectProblem(revokeWithKey, 403, 'forbidden');

    const other = await register('gus@example.com');
    const foreign = await request(base)
      .delete(`/v1/api-keys/${created.body.id}`)
      .set(auth(other.accessToken));
    expectProblem(foreign, 404, 'not_found');

    const revoke = await request(base)
      .delete(`/v1/api-keys/${created.body.id}`)
      .set(auth(owner.accessToken));
    expect(revoke.status).toBe(204);
    expectProblem(
      await request(base).post('/v1/search').set(auth(key)).send({ query: 'x' }),
      401,
      'unauthenticated',
    );
  });

  it('creates a context', async () => {
    const tokens = await register('kim@example.com');
    const created = await request(base)
      .post('/v1/contexts')
      .set(auth(tokens.accessToken))
      .send({ name: 'roadmap' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'roadmap', memoryCount: 0 });

    const again = await request(base)
      .post('/v1/contexts')
      .set(auth(tokens.accessToken))
      .send({ name: 'roadmap' });
    expectProblem(again, 409, 'conflict');
    const listed = await request(base).get('/v1/contexts').set(auth(tokens.accessToken));
    expect(listed.body.items.map((context: { name: string }) => context.name)).toEqual([
      'default',
      'roadmap',
    ]);
  });

  describe('isolation', () => {
    let owner: string;
    let intruder: string;
    let id: string;

    beforeAll(async () => {
      owner = (await register('hal@example.com')).accessToken;
      intruder = (await register('ivy@example.com')).accessToken;
      const added = await request(base)
        .post('/v1/memories')
        .set(auth(owner))
        .send({ content: 'hal keeps the vault code here', context: 'secrets' });
      expect(added.status).toBe(201);
      id = added.body.id as string;
    });

    it.each([
      ['get', (token: string) => request(base).get(`/v1/memories/${id}`).set(auth(token))],
      [
        'update',
        (token: string) =>
          request(base).patch(`/v1/memories/${id}`).set(auth(token)).send({ content: 'mine' }),
      ],
      ['delete', (token: string) => request(base).delete(`/v1/memories/${id}`).set(auth(token))],
      [
        'history',
        (token: string) => request(base).get(`/v1/memories/${id}/history`).set(auth(token)),
      ],
    ])('answers 404 to another user who tries to %s', async (_action, send) => {
      expectProblem(await send(intruder), 404, 'not_found');
    });

    it('leaves the memory out of the other user’s list and search', async () => {
      const list = await request(base).get('/v1/memories').set(auth(intruder));
      expect(list.body.items).toEqual([]);
      const search = await request(base)
        .post('/v1/search')
        .set(auth(intruder))
        .send({ query: 'vault code' });
      expect(search.body.items).toEqual([]);
      const context = await request(base).get('/v1/memories?context=secrets').set(auth(intruder));
      expectProblem(context, 404, 'not_found');
    });

    it('still serves the owner', async () => {
      const own = await request(base).get(`/v1/memories/${id}`).set(auth(owner));
      expect(own.body.content).toBe('hal keeps the vault code here');
      const search = await request(base)
        .post('/v1/search')
        .set(auth(owner))
        .send({ query: 'vault code' });
      expect(search.body.items.map((hit: { id: string }) => hit.id)).toEqual([id]);
    });
  });

  describe('token attacks', () => {
    let userId: string;
    let sessionToken: string;

    beforeAll(async () => {
      const tokens = await register('joe@example.com');
      userId = tokens.user.id;
      sessionToken = tokens.accessToken;
    });

    const sid = () => (jwt.decode(sessionToken) as { sid: string }).sid;
    const sign = (claims: object, options: jwt.SignOptions, key: string = secret) =>
      jwt.sign({ sub: userId, sid: sid(), jti: randomUUID(), ...claims }, key, {
        algorithm: 'HS256',
        issuer,
        audience,
        ...('exp' in claims ? {} : { expiresIn: 600 }),
        ...options,
      });
    const unsigned = () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const payload = Buffer.from(
        JSON.stringify({
          sub: userId,
          sid: sid(),
          iss: issuer,
          aud: audience,
          iat: now,
          exp: now + 600,
        }),
      ).toString('base64url');
      return `${header}.${payload}.`;
    };

    it('accepts a well-formed token, which the attacks below imitate', async () => {
      const response = await request(base)
        .get('/v1/me')
        .set(auth(sign({}, {})));
      expect(response.status).toBe(200);
    });

    it.each([
      ['alg none', () => unsigned()],
      ['a wrong key', () => sign({}, {}, randomBytes(32).toString('base64url'))],
      ['an expired token', () => sign({ exp: Math.floor(Date.now() / 1000) - 60 }, {})],
      ['a token not valid yet', () => sign({}, { notBefore: 600 })],
      ['a wrong issuer', () => sign({}, { issuer: 'someone-else' })],
      ['a wrong audience', () => sign({}, { audience: 'another-api' })],
      ['a truncated token', () => sessionToken.slice(0, -10)],
      ['garbage', () => 'not.a.token'],
    ])('rejects %s', async (_name, token) => {
      const response = await request(base).get('/v1/me').set(auth(token()));
      expectProblem(response, 401, 'unauthenticated');
    });

    it('says why an expired token is rejected', async () => {
      const token = sign({ exp: Math.floor(Date.now() / 1000) - 60 }, {});
      const response = await request(base).get('/v1/me').set(auth(token));
      expect(expectProblem(response, 401, 'unauthenticated').detail).toMatch(/expired/i);
    });

    it('ignores a token in the query string or the body', async () => {
      const query = await request(base).get(`/v1/memories?access_token=${sessionToken}`);
      expectProblem(query, 401, 'unauthenticated');
      const body = await request(base)
        .post('/v1/search')
        .send({ query: 'x', access_token: sessionToken });
      expectProblem(body, 401, 'unauthenticated');
    });
  });
});

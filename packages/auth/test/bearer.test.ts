import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

import express from 'express';
import { Passport } from 'passport';

import { Mem0Error } from '@memzero/core';

import { AuthService, createBearerStrategy } from '../src/index.js';
import { openSqlite, testAccessTokens, type TestDatabase } from './helpers.js';

/** An Express app on 127.0.0.1 with one route, `/me`, behind the bearer strategy. */
async function startServer(service: Pick<AuthService, 'authenticate'>) {
  const passport = new Passport();
  passport.use(createBearerStrategy(service));
  const app = express();
  app.use(express.json());
  app.use(express.urlencoded({ extended: false }));
  app.all('/me', passport.authenticate('bearer', { session: false }), (request, response) => {
    response.json({ principal: request.user, authInfo: request.authInfo });
  });
  app.use((error: Error, _request: express.Request, response: express.Response, _next: unknown) => {
    response.status(500).json({ error: error.message });
  });

  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}

describe('bearer strategy', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startServer>>;
  let baseUrl: string;
  let accessToken: string;
  let apiKey: string;
  let userId: string;

  beforeAll(async () => {
    database = await openSqlite();
    const auth = new AuthService(database.accounts, { accessTokens: testAccessTokens });
    const user = await auth.register({
      email: 'ada@example.com',
      password: 'correct horse battery',
    });
    userId = user.id;
    accessToken = (await auth.login('ada@example.com', 'correct horse battery')).accessToken;
    apiKey = (await auth.createApiKey(user.id, { name: 'ci', scope: 'read' })).key;

    server = await startServer(auth);
    baseUrl = server.baseUrl;
  });

  afterAll(async () => {
    await server.close();
    await database.close();
  });

  it('accepts an access token in the header', async () => {
    const response = await fetch(`${baseUrl}/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      principal: { userId, scope: 'write', via: 'session', sessionId: expect.any(String) },
      authInfo: { scope: 'write' },
    });
  });

  it('accepts an API key in the header', async () => {
    const response = await fetch(`${baseUrl}/me`, {
      headers: { authorization: `bearer ${apiKey}` },
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      principal: { userId, scope: 'read', via: 'api_key', keyId: expect.any(String) },
      authInfo: { scope: 'read' },
    });
  });

  it('rejects a valid token in the query string', async () => {
    const response = await fetch(`${baseUrl}/me?access_token=${encodeURIComponent(accessToken)}`);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Authorization header');
  });

  it('rejects a valid API key in the query string', async () => {
    const response = await fetch(`${baseUrl}/me?access_token=${encodeURIComponent(apiKey)}`);

    expect(response.status).toBe(401);
  });

  it('rejects a valid token in a JSON body', async () => {
    const response = await fetch(`${baseUrl}/me`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: accessToken }),
    });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Authorization header');
  });

  it('rejects a valid token in a form body', async () => {
    const response = await fetch(`${baseUrl}/me`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: accessToken }).toString(),
    });

    expect(response.status).toBe(401);
  });

  it('rejects a header and a query token together', async () => {
    const response = await fetch(`${baseUrl}/me?access_token=${encodeURIComponent(apiKey)}`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });

    expect(response.status).toBe(400);
  });

  it('challenges a request without credentials', async () => {
    const response = await fetch(`${baseUrl}/me`);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="Users"');
  });

  it.each([
    ['an invalid token', 'Bearer not-a-token', 'neither a valid access token nor an API key'],
    ['an unknown API key', `Bearer m0k_${'A'.repeat(43)}`, 'The API key is invalid'],
  ])('rejects %s with the reason', async (_case, authorization, reason) => {
    const response = await fetch(`${baseUrl}/me`, { headers: { authorization } });

    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate');
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(reason);
  });

  it('rejects another scheme', async () => {
    const response = await fetch(`${baseUrl}/me`, {
      headers: { authorization: `Basic ${Buffer.from('ada:secret').toString('base64')}` },
    });

    expect(response.status).toBe(401);
  });
});

describe('bearer strategy on a failing service', () => {
  it('passes errors other than unauthenticated on', async () => {
    const server = await startServer({
      authenticate: async () => {
        throw new Mem0Error('store_unavailable', 'The database cannot be reached.');
      },
    });

    try {
      const response = await fetch(`${server.baseUrl}/me`, {
        headers: { authorization: 'Bearer some-token' },
      });

      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error: 'The database cannot be reached.' });
    } finally {
      await server.close();
    }
  });
});

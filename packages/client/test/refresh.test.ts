import { Mem0Error } from '@memzero/core';

import { ApiClient, RemoteStore, type SessionTokens } from '../src/index.js';
import { registerAccount, startTeamServer, type TeamServer, testPassword } from './team-server.js';

const hourMs = 3_600_000;

let team: TeamServer;

beforeAll(async () => {
  team = await startTeamServer();
  await registerAccount(team.directUrl, 'refresh@example.com');
});

afterAll(async () => {
  await team.close();
});

beforeEach(() => {
  team.proxy.clear();
});

/** Log a client in through the proxy, and collect the tokens passed to `onTokens`. */
async function loggedInClient(): Promise<{ client: ApiClient; stored: SessionTokens[] }> {
  const stored: SessionTokens[] = [];
  const client = new ApiClient({
    baseUrl: team.url,
    credentials: {
      kind: 'session',
      refreshToken: 'replaced by the login',
      onTokens: (tokens) => {
        stored.push(tokens);
      },
    },
  });
  await client.login('refresh@example.com', testPassword);
  stored.length = 0;
  team.proxy.clear();
  return { client, stored };
}

/** Log in directly on the server, bypassing the client. */
async function rawLogin(): Promise<{ accessToken: string; refreshToken: string }> {
  const response = await fetch(`${team.directUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'refresh@example.com', password: testPassword }),
  });
  return (await response.json()) as { accessToken: string; refreshToken: string };
}

function statuses(): number[] {
  return team.proxy.log.map((entry) => entry.status);
}

describe('access token refresh', () => {
  it('refreshes a known expired token before sending', async () => {
    // Issued by a server clock an hour behind, the token's exp claim lies in the past.
    team.advanceClock(-hourMs);
    const tokens = await rawLogin();
    team.advanceClock(hourMs);
    const stored: SessionTokens[] = [];
    const client = new ApiClient({
      baseUrl: team.url,
      credentials: { kind: 'session', ...tokens, onTokens: (next) => void stored.push(next) },
    });

    const me = await client.me();

    expect(me.email).toBe('refresh@example.com');
    expect(team.proxy.requests('POST', '/v1/auth/refresh')).toHaveLength(1);
    expect(statuses()).not.toContain(401);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.refreshToken).not.toBe(tokens.refreshToken);
  });

  it('refreshes first without an access token', async () => {
    const tokens = await rawLogin();
    const client = new ApiClient({
      baseUrl: team.url,
      credentials: { kind: 'session', refreshToken: tokens.refreshToken },
    });

    await client.me();

    expect(team.proxy.log.map((entry) => entry.path)).toEqual(['/v1/auth/refresh', '/v1/me']);
  });

  it('refreshes once after a 401 and retries', async () => {
    const { client, stored } = await loggedInClient();
    // The server's clock moves past the token's expiry; the client's clock does not know.
    team.advanceClock(hourMs);

    const contexts = await new RemoteStore(client).contexts();

    expect(contexts.map((context) => context.name)).toContain('default');
    expect(team.proxy.log.map((entry) => [entry.path, entry.status])).toEqual([
      ['/v1/contexts', 401],
      ['/v1/auth/refresh', 200],
      ['/v1/contexts', 200],
    ]);
    expect(stored).toHaveLength(1);
  });

  it('shares one refresh among requests in flight', async () => {
    const { client, stored } = await loggedInClient();
    team.advanceClock(hourMs);
    const store = new RemoteStore(client);

    const results = await Promise.all([
      store.contexts(),
      store.contexts(),
      client.me(),
      client.me(),
      client.listApiKeys(),
      store.list({ limit: 5 }),
    ]);

    expect(results).toHaveLength(6);
    expect(team.proxy.requests('POST', '/v1/auth/refresh')).toHaveLength(1);
    expect(stored).toHaveLength(1);
  });

  it('ends the session when the refresh fails', async () => {
    // Another process logs the session out, which revokes its refresh token.
    const tokens = await rawLogin();
    await fetch(`${team.directUrl}/v1/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: tokens.refreshToken }),
    });
    const stored: SessionTokens[] = [];
    const client = new ApiClient({
      baseUrl: team.url,
      credentials: { kind: 'session', ...tokens, onTokens: (next) => void stored.push(next) },
    });
    team.advanceClock(hourMs);

    let first: unknown;
    try {
      await client.me();
    } catch (error) {
      first = error;
    }
    const requestsAfterFirst = team.proxy.log.length;
    await expect(client.me()).rejects.toBe(first);

    expect(first).toBeInstanceOf(Mem0Error);
    expect((first as Mem0Error).code).toBe('unauthenticated');
    expect((first as Mem0Error).message).toContain('Run "mem0 login"');
    expect((first as Mem0Error).message).not.toContain(tokens.refreshToken);
    expect((first as Mem0Error).message).not.toContain(tokens.accessToken);
    expect(team.proxy.log.map((entry) => entry.path)).toEqual(['/v1/me', '/v1/auth/refresh']);
    expect(team.proxy.log.length).toBe(requestsAfterFirst);
    expect(stored).toHaveLength(0);
  });
});

import request from 'supertest';

import { defaultRateLimitSettings, type RateLimitSettings, type TrustProxy } from '../src/index.js';
import { expectProblem } from './helpers.js';
import {
  createTemporaryDatabase,
  registerUser,
  startTeamServer,
  type TeamServer,
  type TemporaryDatabase,
  testPassword,
} from './team-server.js';

const windowSeconds = 60;

function credentialLimits(perIp: number, perAccount: number): RateLimitSettings {
  return {
    ...defaultRateLimitSettings,
    credentials: { windowMs: windowSeconds * 1000, perIp, perAccount },
  };
}

/** Check a 429 from a credential route: problem+json with a Retry-After within the window. */
function expectLimited(response: request.Response): void {
  const problem = expectProblem(response, 429, 'rate_limited');
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(JSON.stringify(problem)).not.toContain('@example.com');
}

// A refresh token in the format the server issues, which no session holds.
const unknownRefreshToken = (index: number) => `m0r_${String(index).padStart(43, 'x')}`;

describe('rate limits on register, login and refresh', () => {
  let temporary: TemporaryDatabase;
  const servers: TeamServer[] = [];

  beforeAll(async () => {
    temporary = await createTemporaryDatabase();
  });

  afterAll(async () => {
    for (const server of servers) {
      await server.close();
    }
    await temporary?.drop();
  });

  async function serve(limits: RateLimitSettings, trustProxy: TrustProxy): Promise<string> {
    const server = await startTeamServer(temporary.url, { app: { rateLimit: limits, trustProxy } });
    servers.push(server);
    return server.url;
  }

  const login = (base: string, email: string, password: string, forwardedFor: string) =>
    request(base)
      .post('/v1/auth/login')
      .set('X-Forwarded-For', forwardedFor)
      .send({ email, password });

  const register = (base: string, email: string, forwardedFor: string) =>
    request(base)
      .post('/v1/auth/register')
      .set('X-Forwarded-For', forwardedFor)
      .send({ email, password: testPassword });

  const refresh = (base: string, refreshToken: string, forwardedFor: string) =>
    request(base)
      .post('/v1/auth/refresh')
      .set('X-Forwarded-For', forwardedFor)
      .send({ refreshToken });

  describe('per account, behind one trusted proxy', () => {
    let base: string;

    beforeAll(async () => {
      base = await serve(credentialLimits(100, 3), 1);
      await registerUser(base, 'target@example.com');
      await registerUser(base, 'bystander@example.com');
    });

    it('locks one account against logins from many addresses', async () => {
      // Spellings that name the same account count against the same budget.
      const attempts = ['target@example.com', 'TARGET@example.com', ' target@Example.com '];
      for (const [index, email] of attempts.entries()) {
        const response = await login(base, email, 'wrong password here', `203.0.113.${index + 1}`);
        expectProblem(response, 401, 'unauthenticated');
      }

      expectLimited(await login(base, 'target@example.com', 'another wrong one', '203.0.113.9'));
      expectLimited(await login(base, 'target@example.com', testPassword, '203.0.113.10'));
    });

    it('does not count successful logins against the account', async () => {
      // Four successes, one more than the account's budget of three failures.
      for (const forwardedFor of ['203.0.113.20', '203.0.113.21', '203.0.113.22', '203.0.113.23']) {
        const response = await login(base, 'bystander@example.com', testPassword, forwardedFor);
        expect(response.status).toBe(200);
      }
    });

    it('leaves other accounts on the same addresses alone', async () => {
      const response = await login(base, 'bystander@example.com', testPassword, '203.0.113.1');

      expect(response.status).toBe(200);
    });

    it('limits repeated registrations of one email', async () => {
      expect((await register(base, 'newcomer@example.com', '198.51.100.1')).status).toBe(201);
      for (const forwardedFor of ['198.51.100.2', '198.51.100.3']) {
        expectProblem(await register(base, 'newcomer@example.com', forwardedFor), 409, 'conflict');
      }

      expectLimited(await register(base, 'newcomer@example.com', '198.51.100.4'));
    });

    it('limits one refresh token presented from many addresses', async () => {
      for (const forwardedFor of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
        expectProblem(
          await refresh(base, unknownRefreshToken(1), forwardedFor),
          401,
          'unauthenticated',
        );
      }

      expectLimited(await refresh(base, unknownRefreshToken(1), '192.0.2.4'));
      const otherToken = await refresh(base, unknownRefreshToken(2), '192.0.2.4');
      expectProblem(otherToken, 401, 'unauthenticated');
    });
  });

  describe('per address, behind one trusted proxy', () => {
    let base: string;

    beforeAll(async () => {
      base = await serve(credentialLimits(3, 100), 1);
    });

    it('limits logins to many accounts from one address', async () => {
      for (let index = 0; index < 3; index++) {
        const response = await login(
          base,
          `guess${index}@example.com`,
          testPassword,
          '198.51.100.7',
        );
        expectProblem(response, 401, 'unauthenticated');
      }

      expectLimited(await login(base, 'guess9@example.com', testPassword, '198.51.100.7'));

      // The proxy reports another client: that client has a budget of its own.
      const other = await login(base, 'guess9@example.com', testPassword, '198.51.100.8');
      expectProblem(other, 401, 'unauthenticated');
    });

    it('keys on the address the proxy appended', async () => {
      // A client can prepend any address; with one trusted hop only the last one counts.
      for (let index = 0; index < 3; index++) {
        const response = await register(
          base,
          `signup${index}@example.com`,
          `192.0.2.${index + 1}, 198.51.100.20`,
        );
        expect(response.status).toBe(201);
      }

      expectLimited(await register(base, 'signup9@example.com', '192.0.2.9, 198.51.100.20'));
    });

    it('limits refreshes with many tokens from one address', async () => {
      for (let index = 0; index < 3; index++) {
        const response = await refresh(base, unknownRefreshToken(10 + index), '198.51.100.30');
        expectProblem(response, 401, 'unauthenticated');
      }

      expectLimited(await refresh(base, unknownRefreshToken(19), '198.51.100.30'));
    });
  });

  describe('per address, without a trusted proxy', () => {
    let base: string;

    beforeAll(async () => {
      base = await serve(credentialLimits(3, 100), false);
    });

    it.each([
      [
        'login',
        (index: number, forwardedFor: string) =>
          login(base, `forger${index}@example.com`, testPassword, forwardedFor),
        401,
      ],
      [
        'register',
        (index: number, forwardedFor: string) =>
          register(base, `forged${index}@example.com`, forwardedFor),
        201,
      ],
      [
        'refresh',
        (index: number, forwardedFor: string) =>
          refresh(base, unknownRefreshToken(30 + index), forwardedFor),
        401,
      ],
    ])('%s ignores a forged X-Forwarded-For', async (_route, send, status) => {
      for (let index = 0; index < 3; index++) {
        const response = await send(index, `203.0.113.${100 + index}`);
        expect(response.status).toBe(status);
      }

      expectLimited(await send(9, '203.0.113.199'));
    });
  });
});

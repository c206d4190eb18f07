import {
  AccessTokens,
  AuthService,
  type AuthServiceOptions,
  defaultSessionLifetimeSeconds,
  passwordLimits,
} from '../src/index.js';
import { backends, rejection, TestClock, testAccessTokens, type TestDatabase } from './helpers.js';

const password = 'correct horse battery';

describe.each(backends)('AuthService on %s', (_name, open) => {
  let database: TestDatabase;
  let clock: TestClock;

  function service(options: Partial<AuthServiceOptions> = {}): AuthService {
    return new AuthService(database.accounts, {
      accessTokens: testAccessTokens,
      registration: 'open',
      now: clock.now,
      ...options,
    });
  }

  async function registerAndLogin(auth: AuthService, email = 'ada@example.com') {
    const user = await auth.register({ email, password, name: 'Ada' });
    const tokens = await auth.login(email, password);
    return { user, tokens };
  }

  beforeAll(async () => {
    database = await open();
  });

  afterAll(async () => {
    await database.close();
  });

  beforeEach(async () => {
    await database.reset();
    clock = new TestClock();
  });

  describe('register', () => {
    it('makes only the first user admin', async () => {
      const auth = service();

      const first = await auth.register({ email: 'Ada@Example.com', password, name: ' Ada ' });
      const second = await auth.register({ email: 'bob@example.com', password });

      expect(first).toMatchObject({ email: 'ada@example.com', name: 'Ada', isAdmin: true });
      expect(second).toMatchObject({ email: 'bob@example.com', name: null, isAdmin: false });
      expect(first.createdAt).toBe('2026-06-01T12:00:00.000Z');
      expect(first).not.toHaveProperty('passwordHash');
    });

    it('creates the default context', async () => {
      const user = await service().register({ email: 'ada@example.com', password });

      expect(await database.contextNames(user.id)).toEqual(['default']);
    });

    it('rejects a taken email in any case', async () => {
      const auth = service();
      await auth.register({ email: 'ada@example.com', password });

      const error = await rejection(auth.register({ email: 'ADA@example.com', password }));

      expect(error).toMatchObject({ code: 'conflict' });
      expect(error.message).toContain('ada@example.com already exists');
    });

    it.each([
      ['no at sign', 'ada.example.com'],
      ['a space', 'ada lovelace@example.com'],
      ['nothing before the at sign', '@example.com'],
      ['nothing', '   '],
    ])('rejects an email with %s', async (_case, email) => {
      await expect(service().register({ email, password })).rejects.toMatchObject({
        code: 'validation_failed',
      });
    });

    it('rejects a password shorter than the minimum', async () => {
      const short = 'x'.repeat(passwordLimits.minChars - 1);

      const error = await rejection(
        service().register({ email: 'ada@example.com', password: short }),
      );

      expect(error).toMatchObject({ code: 'validation_failed' });
      expect(error.message).toContain('at least 10 characters');
    });

    it('counts password length in characters', async () => {
      // Ten emoji are twenty UTF-16 code units but ten characters.
      const user = await service().register({
        email: 'ada@example.com',
        password: '🔑'.repeat(10),
      });

      expect(user.email).toBe('ada@example.com');
      await expect(
        service().register({ email: 'bob@example.com', password: '🔑'.repeat(9) }),
      ).rejects.toMatchObject({ code: 'validation_failed' });
    });

    it('rejects a password longer than the maximum', async () => {
      const long = 'x'.repeat(passwordLimits.maxChars + 1);

      const error = await rejection(
        service().register({ email: 'ada@example.com', password: long }),
      );

      expect(error).toMatchObject({ code: 'validation_failed' });
      expect(error.message).toContain('at most 256 characters');
    });

    it('accepts a password of the maximum length', async () => {
      const auth = service();
      const longest = 'x'.repeat(passwordLimits.maxChars);
      await auth.register({ email: 'ada@example.com', password: longest });

      await expect(auth.login('ada@example.com', longest)).resolves.toHaveProperty('accessToken');
    });
  });

  describe('registration policies', () => {
    it('first-user lets only the first account register', async () => {
      const auth = service({ registration: 'first-user' });

      const first = await auth.register({ email: 'ada@example.com', password });
      const error = await rejection(auth.register({ email: 'bob@example.com', password }));

      expect(first.isAdmin).toBe(true);
      expect(error).toMatchObject({ code: 'forbidden' });
      expect(error.message).toContain('only its first account');
    });

    it('first-user admits one of two concurrent registrations', async () => {
      const auth = service({ registration: 'first-user' });

      const results = await Promise.allSettled([
        auth.register({ email: 'ada@example.com', password }),
        auth.register({ email: 'bob@example.com', password }),
      ]);

      const fulfilled = results.filter((result) => result.status === 'fulfilled');
      const rejected = results.filter((result) => result.status === 'rejected');
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'forbidden' });
    });

    it('closed rejects every registration', async () => {
      const error = await rejection(
        service({ registration: 'closed' }).register({ email: 'ada@example.com', password }),
      );

      expect(error).toMatchObject({ code: 'forbidden' });
      expect(error.message).toContain('Registration is closed');
      expect(await database.accounts.countUsers()).toBe(0);
    });

    it('defaults to first-user', async () => {
      const auth = new AuthService(database.accounts, { accessTokens: testAccessTokens });
      await auth.register({ email: 'ada@example.com', password });

      await expect(auth.register({ email: 'bob@example.com', password })).rejects.toMatchObject({
        code: 'forbidden',
      });
    });
  });

  describe('login', () => {
    it('returns tokens that authenticate the user', async () => {
      const auth = service();
      const { user, tokens } = await registerAndLogin(auth);

      expect(tokens.expiresIn).toBe(900);
      expect(tokens.refreshToken).toMatch(/^m0r_[A-Za-z0-9_-]{43}$/);
      expect(tokens.user).toEqual(user);
      expect(await auth.authenticate(tokens.accessToken)).toEqual({
        userId: user.id,
        scope: 'write',
        via: 'session',
        sessionId: expect.any(String),
      });
    });

    it('matches the email in any case', async () => {
      const auth = service();
      await auth.register({ email: 'ada@example.com', password });

      await expect(auth.login(' ADA@example.com ', password)).resolves.toHaveProperty('user');
    });

    it('answers a wrong password and an unknown email alike', async () => {
      const auth = service();
      await auth.register({ email: 'ada@example.com', password });

      const wrongPassword = await rejection(auth.login('ada@example.com', 'incorrect horse'));
      const unknownEmail = await rejection(auth.login('nobody@example.com', password));

      expect(wrongPassword).toMatchObject({ code: 'unauthenticated' });
      expect(unknownEmail).toMatchObject({ code: 'unauthenticated' });
      expect(unknownEmail.message).toBe(wrongPassword.message);
    });

    it('rejects an oversized password before hashing', async () => {
      const started = Date.now();

      const error = await rejection(service().login('ada@example.com', 'x'.repeat(1_000_000)));

      expect(error).toMatchObject({ code: 'validation_failed' });
      // One scrypt hash takes tens of milliseconds; rejecting takes well under one.
      expect(Date.now() - started).toBeLessThan(50);
    });

    it('rejects a disabled user', async () => {
      const auth = service();
      const user = await auth.register({ email: 'ada@example.com', password });
      await database.disableUser(user.id);

      const error = await rejection(auth.login('ada@example.com', password));

      expect(error).toMatchObject({ code: 'unauthenticated' });
      expect(error.message).toContain('disabled');
    });
  });

  describe('refresh', () => {
    it('rotates the refresh token', async () => {
      const auth = service();
      const { user, tokens } = await registerAndLogin(auth);

      clock.advance(60_000);
      const next = await auth.refresh(tokens.refreshToken);

      expect(next.refreshToken).not.toBe(tokens.refreshToken);
      expect(next.accessToken).not.toBe(tokens.accessToken);
      expect(next.user.id).toBe(user.id);
      const principal = await auth.authenticate(next.accessToken);
      expect(principal.sessionId).toBe((await auth.authenticate(tokens.accessToken)).sessionId);
      await expect(auth.refresh(next.refreshToken)).resolves.toHaveProperty('accessToken');
    });

    it('revokes the whole session when a token is reused', async () => {
      const auth = service();
      const { tokens } = await registerAndLogin(auth);
      const { sessionId } = await auth.authenticate(tokens.accessToken);
      const next = await auth.refresh(tokens.refreshToken);

      const reuse = await rejection(auth.refresh(tokens.refreshToken));

      expect(reuse).toMatchObject({ code: 'unauthenticated' });
      expect(reuse.message).toContain('already used');
      expect(await database.sessionRevokedReason(sessionId!)).toBe('refresh_token_reused');
      await expect(auth.refresh(next.refreshToken)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
      await expect(auth.authenticate(next.accessToken)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
      await expect(auth.authenticate(tokens.accessToken)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    });

    it('lets one of two concurrent uses of a token win', async () => {
      const auth = service();
      const { tokens } = await registerAndLogin(auth);

      const results = await Promise.allSettled([
        auth.refresh(tokens.refreshToken),
        auth.refresh(tokens.refreshToken),
      ]);

      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const loser = results.find((result) => result.status === 'rejected');
      expect((loser as PromiseRejectedResult).reason).toMatchObject({ code: 'unauthenticated' });
    });

    it('rotates a token used again within the grace window', async () => {
      const auth = service({ refreshReuseGraceSeconds: 10 });
      const { tokens } = await registerAndLogin(auth);
      const { sessionId } = await auth.authenticate(tokens.accessToken);

      const first = await auth.refresh(tokens.refreshToken);
      clock.advance(5_000);
      const second = await auth.refresh(tokens.refreshToken);

      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(await database.sessionRevokedReason(sessionId!)).toBeNull();
      await expect(auth.refresh(first.refreshToken)).resolves.toHaveProperty('accessToken');
      await expect(auth.refresh(second.refreshToken)).resolves.toHaveProperty('accessToken');
    });

    it('revokes on reuse after the grace window', async () => {
      const auth = service({ refreshReuseGraceSeconds: 10 });
      const { tokens } = await registerAndLogin(auth);
      const { sessionId } = await auth.authenticate(tokens.accessToken);

      await auth.refresh(tokens.refreshToken);
      clock.advance(11_000);
      const reuse = await rejection(auth.refresh(tokens.refreshToken));

      expect(reuse).toMatchObject({ code: 'unauthenticated' });
      expect(await database.sessionRevokedReason(sessionId!)).toBe('refresh_token_reused');
    });

    it('leaves other sessions of the user alone on reuse', async () => {
      const auth = service();
      const { tokens } = await registerAndLogin(auth);
      const other = await auth.login('ada@example.com', password);
      await auth.refresh(tokens.refreshToken);

      await expect(auth.refresh(tokens.refreshToken)).rejects.toMatchObject({
        code: 'unauthenticated',
      });

      await expect(auth.refresh(other.refreshToken)).resolves.toHaveProperty('accessToken');
    });

    it('rejects after the session lifetime', async () => {
      const auth = service();
      const { tokens } = await registerAndLogin(auth);

      clock.advance(defaultSessionLifetimeSeconds * 1000);
      const error = await rejection(auth.refresh(tokens.refreshToken));

      expect(error).toMatchObject({ code: 'unauthenticated' });
      expect(error.message).toContain('expired');
    });

    it('honours a configured session lifetime', async () => {
      const auth = service({ sessionLifetimeSeconds: 3600 });
      const { tokens } = await registerAndLogin(auth);
      clock.advance(3599_000);
      const next = await auth.refresh(tokens.refreshToken);

      clock.advance(1_000);

      await expect(auth.refresh(next.refreshToken)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    });

    it.each([
      ['an unknown token', 'm0r_' + 'A'.repeat(43)],
      ['a malformed token', 'm0r_short'],
      ['an API key', 'm0k_' + 'A'.repeat(43)],
      ['an empty string', ''],
    ])('rejects %s', async (_case, token) => {
      await expect(service().refresh(token)).rejects.toMatchObject({ code: 'unauthenticated' });
    });

    it('rejects the token of a disabled user and keeps the session', async () => {
      const auth = service();
      const { user, tokens } = await registerAndLogin(auth);
      const { sessionId } = await auth.authenticate(tokens.accessToken);
      await database.disableUser(user.id);

      await expect(auth.refresh(tokens.refreshToken)).rejects.toMatchObject({
        code: 'unauthenticated',
        message: expect.stringContaining('disabled') as unknown,
      });
      expect(await database.sessionRevokedReason(sessionId!)).toBeNull();

      await database.enableUser(user.id);
      const next = await auth.refresh(tokens.refreshToken);
      expect((await auth.authenticate(next.accessToken)).sessionId).toBe(sessionId);
    });
  });

  describe('logout', () => {
    it('ends the session and its access tokens', async () => {
      const auth = service();
      const { tokens } = await registerAndLogin(auth);
      const { sessionId } = await auth.authenticate(tokens.accessToken);

      await auth.logout(tokens.refreshToken);

      expect(await database.sessionRevokedReason(sessionId!)).toBe('logout');
      await expect(auth.refresh(tokens.refreshToken)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
      await expect(auth.authenticate(tokens.accessToken)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    });

    it('rejects an unknown token', async () => {
      await expect(service().logout('m0r_' + 'B'.repeat(43))).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    });
  });

  describe('access tokens', () => {
    it('expire after their lifetime', async () => {
      const auth = service();
      const { tokens } = await registerAndLogin(auth);

      clock.advance(15 * 60 * 1000 + 6_000);
      const error = await rejection(auth.authenticate(tokens.accessToken));

      expect(error).toMatchObject({ code: 'unauthenticated' });
      expect(error.message).toContain('expired');
    });

    it('stop working when the user is disabled', async () => {
      const auth = service();
      const { user, tokens } = await registerAndLogin(auth);
      await database.disableUser(user.id);

      await expect(auth.authenticate(tokens.accessToken)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    });

    it('are rejected when their session does not exist', async () => {
      const auth = service();
      const { user } = await registerAndLogin(auth);
      const forged = new AccessTokens(testAccessTokens, clock.now).issue(
        user.id,
        'no-such-session',
      );

      await expect(auth.authenticate(forged)).rejects.toMatchObject({ code: 'unauthenticated' });
    });

    it('are rejected for a session of another user', async () => {
      const auth = service();
      const { tokens } = await registerAndLogin(auth);
      const bob = await auth.register({ email: 'bob@example.com', password });
      const { sessionId } = await auth.authenticate(tokens.accessToken);
      const forged = new AccessTokens(testAccessTokens, clock.now).issue(bob.id, sessionId!);

      await expect(auth.authenticate(forged)).rejects.toMatchObject({ code: 'unauthenticated' });
    });

    it('cannot be replaced by a refresh token', async () => {
      const auth = service();
      const { tokens } = await registerAndLogin(auth);

      await expect(auth.authenticate(tokens.refreshToken)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    });
  });

  describe('API keys', () => {
    it.each(['read', 'write'] as const)('authenticate with the %s scope', async (scope) => {
      const auth = service();
      const { user } = await registerAndLogin(auth);

      const { key, apiKey } = await auth.createApiKey(user.id, { name: 'laptop', scope });

      expect(key).toMatch(/^m0k_[A-Za-z0-9_-]{43}$/);
      expect(apiKey).toMatchObject({ name: 'laptop', scope, prefix: key.slice(0, 12) });
      expect(apiKey).not.toHaveProperty('keyHash');
      expect(await auth.authenticate(key)).toEqual({
        userId: user.id,
        scope,
        via: 'api_key',
        keyId: apiKey.id,
      });
    });

    it('list without hashes, newest first', async () => {
      const auth = service();
      const { user } = await registerAndLogin(auth);
      await auth.createApiKey(user.id, { name: 'first', scope: 'read' });
      clock.advance(1_000);
      await auth.createApiKey(user.id, { name: 'second', scope: 'write' });

      const keys = await auth.listApiKeys(user.id);

      expect(keys.map((key) => key.name)).toEqual(['second', 'first']);
      for (const key of keys) {
        expect(key).not.toHaveProperty('keyHash');
      }
    });

    it('stop working when revoked', async () => {
      const auth = service();
      const { user } = await registerAndLogin(auth);
      const { key, apiKey } = await auth.createApiKey(user.id, { name: 'ci', scope: 'read' });

      const revoked = await auth.revokeApiKey(user.id, apiKey.id);
      const error = await rejection(auth.authenticate(key));

      expect(revoked.revokedAt).toBe('2026-06-01T12:00:00.000Z');
      expect(error).toMatchObject({ code: 'unauthenticated' });
      expect(error.message).toContain('revoked');
    });

    it('stop working when expired', async () => {
      const auth = service();
      const { user } = await registerAndLogin(auth);
      const { key } = await auth.createApiKey(user.id, {
        name: 'temporary',
        scope: 'read',
        expiresAt: '2026-06-01T13:00:00Z',
      });
      await expect(auth.authenticate(key)).resolves.toHaveProperty('via', 'api_key');

      clock.advance(60 * 60 * 1000);
      const error = await rejection(auth.authenticate(key));

      expect(error).toMatchObject({ code: 'unauthenticated' });
      expect(error.message).toContain('expired');
    });

    it('reject an expiry in the past', async () => {
      const auth = service();
      const { user } = await registerAndLogin(auth);

      await expect(
        auth.createApiKey(user.id, { name: 'old', scope: 'read', expiresAt: '2026-05-31' }),
      ).rejects.toMatchObject({ code: 'validation_failed' });
    });

    it.each([
      ['an empty name', { name: ' ', scope: 'read' }],
      ['an unknown scope', { name: 'ci', scope: 'admin' }],
      ['an unparsable expiry', { name: 'ci', scope: 'read', expiresAt: 'tomorrow' }],
    ])('reject %s', async (_case, request) => {
      const auth = service();
      const { user } = await registerAndLogin(auth);

      await expect(
        auth.createApiKey(user.id, request as Parameters<AuthService['createApiKey']>[1]),
      ).rejects.toMatchObject({ code: 'validation_failed' });
    });

    it('answer not_found for another user key', async () => {
      const auth = service();
      const { user: ada } = await registerAndLogin(auth);
      const bob = await auth.register({ email: 'bob@example.com', password });
      const { key, apiKey } = await auth.createApiKey(ada.id, { name: 'ada', scope: 'write' });

      const error = await rejection(auth.revokeApiKey(bob.id, apiKey.id));

      expect(error).toMatchObject({ code: 'not_found' });
      await expect(auth.authenticate(key)).resolves.toHaveProperty('userId', ada.id);
      expect(await auth.listApiKeys(bob.id)).toEqual([]);
    });

    it('stop working when the user is disabled', async () => {
      const auth = service();
      const { user } = await registerAndLogin(auth);
      const { key } = await auth.createApiKey(user.id, { name: 'ci', scope: 'write' });
      await database.disableUser(user.id);

      await expect(auth.authenticate(key)).rejects.toMatchObject({ code: 'unauthenticated' });
    });

    it('record their last use at most once a minute', async () => {
      const auth = service();
      const { user } = await registerAndLogin(auth);
      const { key } = await auth.createApiKey(user.id, { name: 'ci', scope: 'write' });
      const lastUsed = async () => (await auth.listApiKeys(user.id))[0]!.lastUsedAt;
      expect(await lastUsed()).toBeNull();

      await auth.authenticate(key);
      expect(await lastUsed()).toBe('2026-06-01T12:00:00.000Z');

      clock.advance(30_000);
      await auth.authenticate(key);
      expect(await lastUsed()).toBe('2026-06-01T12:00:00.000Z');

      clock.advance(30_000);
      await auth.authenticate(key);
      expect(await lastUsed()).toBe('2026-06-01T12:01:00.000Z');
    });

    it.each([
      ['an unknown key', 'm0k_' + 'C'.repeat(43)],
      ['a truncated key', 'm0k_' + 'C'.repeat(42)],
      ['a bare prefix', 'm0k_'],
    ])('reject %s', async (_case, key) => {
      await expect(service().authenticate(key)).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    });
  });

  it('stores no secret in clear', async () => {
    const auth = service();
    const { user, tokens } = await registerAndLogin(auth);
    const next = await auth.refresh(tokens.refreshToken);
    const { key } = await auth.createApiKey(user.id, { name: 'ci', scope: 'write' });

    const dump = await database.dumpAccountTables();

    expect(dump).toContain('scrypt$32768$8$1$');
    for (const secret of [password, tokens.refreshToken, next.refreshToken, key]) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.slice(4, 20));
    }
  });
});

import { join } from 'node:path';

import type { AccountRepository, NewUser } from '@memzero/core';

import { openSqliteDatabase, SqliteAccountRepository } from '../src/index.js';
import { PostgresAccountRepository } from '../src/postgres/index.js';
import { temporaryDirectory } from './helpers.js';
import { temporaryPostgres } from './postgres-helpers.js';

interface Backend {
  accounts: AccountRepository;
  /** Run SQL that changes rows; `?` placeholders are numbered for PostgreSQL. */
  run(sql: string, ...values: unknown[]): Promise<void>;
  contextNames(userId: string): Promise<string[]>;
  close(): Promise<void>;
}

async function openPostgres(): Promise<Backend> {
  const postgres = await temporaryPostgres();
  const pool = postgres.database.pool;
  return {
    accounts: new PostgresAccountRepository(pool),
    async run(sql, ...values) {
      let index = 0;
      await pool.query(
        sql.replace(/\?/g, () => `$${++index}`),
        values,
      );
    },
    async contextNames(userId) {
      const { rows } = await pool.query<{ name: string }>(
        'SELECT name FROM contexts WHERE owner_id = $1 ORDER BY name',
        [userId],
      );
      return rows.map((row) => row.name);
    },
    close: () => postgres.drop(),
  };
}

async function openSqlite(): Promise<Backend> {
  const directory = temporaryDirectory();
  const db = openSqliteDatabase(join(directory.path, 'mem0.db'));
  return {
    accounts: new SqliteAccountRepository(db),
    async run(sql, ...values) {
      db.prepare(sql).run(...values);
    },
    async contextNames(userId) {
      return db
        .prepare('SELECT name FROM contexts WHERE owner_id = ? ORDER BY name')
        .pluck()
        .all(userId) as string[];
    },
    async close() {
      db.close();
      directory.remove();
    },
  };
}

const at = (time: string) => `2026-06-01T${time}Z`;

function newUser(email: string, overrides: Partial<NewUser> = {}): NewUser {
  return {
    email,
    name: null,
    passwordHash: 'scrypt$32768$8$1$salt$hash',
    createdAt: at('12:00:00.123'),
    ...overrides,
  };
}

describe.each<[string, () => Promise<Backend>]>([
  ['PostgreSQL', openPostgres],
  ['SQLite', openSqlite],
])('account repository on %s', (_name, open) => {
  let backend: Backend;
  let accounts: AccountRepository;

  beforeAll(async () => {
    backend = await open();
    accounts = backend.accounts;
  });

  afterAll(async () => {
    await backend.close();
  });

  beforeEach(async () => {
    await backend.run('DELETE FROM users WHERE password_hash IS NOT NULL');
  });

  describe('users', () => {
    it('store a lower-cased email and exact timestamps', async () => {
      const user = await accounts.createUser(newUser('Ada@Example.COM', { name: 'Ada' }));

      expect(user).toEqual({
        id: expect.stringMatching(/^[0-9A-Z]{26}$/),
        email: 'ada@example.com',
        name: 'Ada',
        passwordHash: 'scrypt$32768$8$1$salt$hash',
        isAdmin: true,
        disabledAt: null,
        createdAt: '2026-06-01T12:00:00.123Z',
      });
      expect(await accounts.findUserById(user.id)).toEqual(user);
      expect(await accounts.findUserByEmail('ADA@example.com')).toEqual(user);
    });

    it('get a default context', async () => {
      const user = await accounts.createUser(newUser('ada@example.com'));

      expect(await backend.contextNames(user.id)).toEqual(['default']);
    });

    it('make only the first of several concurrent users admin', async () => {
      const emails = Array.from({ length: 20 }, (_, index) => `user${index}@example.com`);

      const users = await Promise.all(emails.map((email) => accounts.createUser(newUser(email))));

      expect(users.filter((user) => user.isAdmin)).toHaveLength(1);
      expect(await accounts.countUsers()).toBe(20);
    });

    it('create a first user only while there is none', async () => {
      const first = await accounts.createFirstUser(newUser('ada@example.com'));
      const second = await accounts.createFirstUser(newUser('bob@example.com'));

      expect(first?.isAdmin).toBe(true);
      expect(second).toBeUndefined();
      expect(await accounts.findUserByEmail('bob@example.com')).toBeUndefined();
    });

    it('reject a taken email as a conflict', async () => {
      await accounts.createUser(newUser('ada@example.com'));

      await expect(accounts.createUser(newUser('ADA@example.com'))).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('ada@example.com already exists'),
      });
      expect(await accounts.countUsers()).toBe(1);
    });

    it('find nothing for unknown ids and emails', async () => {
      expect(await accounts.findUserById('01JF8ZP6V7G1WQK3M4N5R6S7T8')).toBeUndefined();
      expect(await accounts.findUserByEmail('nobody@example.com')).toBeUndefined();
    });

    it('read the disabled time', async () => {
      const user = await accounts.createUser(newUser('ada@example.com'));
      await backend.run(
        'UPDATE users SET disabled_at = ? WHERE id = ?',
        at('13:00:00.000'),
        user.id,
      );

      expect((await accounts.findUserById(user.id))?.disabledAt).toBe(at('13:00:00.000'));
    });
  });

  describe('sessions', () => {
    let userId: string;

    beforeEach(async () => {
      userId = (await accounts.createUser(newUser('ada@example.com'))).id;
    });

    async function startSession(tokenHash = 'hash-1') {
      return accounts.createSession({
        userId,
        refreshTokenHash: tokenHash,
        createdAt: at('12:00:00.000'),
        expiresAt: at('18:00:00.000'),
      });
    }

    it('start with their first refresh token', async () => {
      const session = await startSession();

      expect(session).toEqual({
        id: expect.any(String),
        userId,
        createdAt: at('12:00:00.000'),
        expiresAt: at('18:00:00.000'),
        revokedAt: null,
        revokedReason: null,
      });
      expect(await accounts.findSession(session.id)).toEqual(session);
      expect(await accounts.findRefreshToken('hash-1')).toMatchObject({
        sessionId: session.id,
        tokenHash: 'hash-1',
        usedAt: null,
      });
    });

    it('rotate a token once', async () => {
      const session = await startSession();
      const rotation = { tokenHash: 'hash-1', nextTokenHash: 'hash-2', now: at('12:05:00.000') };

      const first = await accounts.rotateRefreshToken(rotation);
      const second = await accounts.rotateRefreshToken({ ...rotation, nextTokenHash: 'hash-3' });

      expect(first).toMatchObject({
        status: 'rotated',
        session: { id: session.id },
        token: { sessionId: session.id, tokenHash: 'hash-2', usedAt: null },
      });
      expect(second).toMatchObject({ status: 'reused', session: { id: session.id } });
      expect((await accounts.findRefreshToken('hash-1'))?.usedAt).toBe(at('12:05:00.000'));
      expect(await accounts.findRefreshToken('hash-3')).toBeUndefined();
    });

    it('let one of two concurrent rotations win', async () => {
      await startSession();

      const outcomes = await Promise.all([
        accounts.rotateRefreshToken({
          tokenHash: 'hash-1',
          nextTokenHash: 'a',
          now: at('12:01:00.000'),
        }),
        accounts.rotateRefreshToken({
          tokenHash: 'hash-1',
          nextTokenHash: 'b',
          now: at('12:01:00.000'),
        }),
      ]);

      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['reused', 'rotated']);
    });

    it('report an unknown token', async () => {
      expect(
        await accounts.rotateRefreshToken({
          tokenHash: 'nope',
          nextTokenHash: 'x',
          now: at('12:00:00.000'),
        }),
      ).toEqual({ status: 'unknown' });
    });

    it('report an expired session', async () => {
      await startSession();

      const outcome = await accounts.rotateRefreshToken({
        tokenHash: 'hash-1',
        nextTokenHash: 'hash-2',
        now: at('18:00:00.000'),
      });

      expect(outcome.status).toBe('expired');
      expect(await accounts.findRefreshToken('hash-2')).toBeUndefined();
    });

    it('revoke once and keep the first reason', async () => {
      const session = await startSession();

      expect(
        await accounts.revokeSession(session.id, 'refresh_token_reused', at('12:10:00.000')),
      ).toBe(true);
      expect(await accounts.revokeSession(session.id, 'logout', at('12:20:00.000'))).toBe(false);

      expect(await accounts.findSession(session.id)).toMatchObject({
        revokedAt: at('12:10:00.000'),
        revokedReason: 'refresh_token_reused',
      });
      expect(
        await accounts.rotateRefreshToken({
          tokenHash: 'hash-1',
          nextTokenHash: 'x',
          now: at('12:30:00.000'),
        }),
      ).toMatchObject({ status: 'revoked' });
    });

    it('end with their user', async () => {
      const session = await startSession();

      await backend.run('DELETE FROM users WHERE id = ?', userId);

      expect(await accounts.findSession(session.id)).toBeUndefined();
      expect(await accounts.findRefreshToken('hash-1')).toBeUndefined();
    });
  });

  describe('API keys', () => {
    let userId: string;

    beforeEach(async () => {
      userId = (await accounts.createUser(newUser('ada@example.com'))).id;
    });

    function createKey(name: string, createdAt: string, owner = userId) {
      return accounts.createApiKey({
        userId: owner,
        name,
        prefix: `m0k_${name.padEnd(8, '0')}`,
        keyHash: `hash-${name}`,
        scope: 'read',
        createdAt,
        expiresAt: null,
      });
    }

    it('are found by hash', async () => {
      const key = await createKey('laptop', at('12:00:00.000'));

      expect(key).toEqual({
        id: expect.any(String),
        userId,
        name: 'laptop',
        prefix: 'm0k_laptop00',
        keyHash: 'hash-laptop',
        scope: 'read',
        createdAt: at('12:00:00.000'),
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });
      expect(await accounts.findApiKeyByHash('hash-laptop')).toEqual(key);
      expect(await accounts.findApiKeyByHash('hash-other')).toBeUndefined();
    });

    it('are listed newest first', async () => {
      await createKey('old', at('12:00:00.000'));
      await createKey('new', at('13:00:00.000'));

      const keys = await accounts.listApiKeys(userId);

      expect(keys.map((key) => key.name)).toEqual(['new', 'old']);
    });

    it('keep their first revocation time', async () => {
      const key = await createKey('ci', at('12:00:00.000'));

      const first = await accounts.revokeApiKey(userId, key.id, at('12:30:00.000'));
      const again = await accounts.revokeApiKey(userId, key.id, at('12:45:00.000'));

      expect(first?.revokedAt).toBe(at('12:30:00.000'));
      expect(again?.revokedAt).toBe(at('12:30:00.000'));
    });

    it('cannot be revoked by another user', async () => {
      const bob = await accounts.createUser(newUser('bob@example.com'));
      const key = await createKey('ci', at('12:00:00.000'));

      expect(await accounts.revokeApiKey(bob.id, key.id, at('12:30:00.000'))).toBeUndefined();
      expect((await accounts.findApiKeyByHash('hash-ci'))?.revokedAt).toBeNull();
    });

    it('record their last use', async () => {
      const key = await createKey('ci', at('12:00:00.000'));

      await accounts.touchApiKey(key.id, at('12:34:56.789'));

      expect((await accounts.findApiKeyByHash('hash-ci'))?.lastUsedAt).toBe(at('12:34:56.789'));
    });
  });
});

describe('SQLite account repository', () => {
  it('does not count the local user', async () => {
    const directory = temporaryDirectory();
    const db = openSqliteDatabase(join(directory.path, 'mem0.db'));
    try {
      const accounts = new SqliteAccountRepository(db);

      expect(await accounts.findUserById('local')).toMatchObject({
        passwordHash: null,
        isAdmin: false,
      });
      expect(await accounts.countUsers()).toBe(0);
      const first = await accounts.createUser(newUser('ada@example.com'));
      expect(first.isAdmin).toBe(true);
    } finally {
      db.close();
      directory.remove();
    }
  });
});

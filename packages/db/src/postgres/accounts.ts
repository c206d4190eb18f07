import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';

import {
  type AccountRepository,
  type ApiKeyRecord,
  defaultContext,
  type NewApiKey,
  type NewSession,
  type NewUser,
  newId,
  type RefreshTokenRecord,
  type RefreshTokenRotation,
  type RotationOutcome,
  type SessionRecord,
  type UserRecord,
} from '@memzero/core';

import { emailTaken } from '../account-errors.js';
import {
  type ApiKeyRow,
  type RefreshTokenRow,
  type SessionRow,
  toApiKey,
  toRefreshToken,
  toSession,
} from '../account-rows.js';
import { translatePostgresError } from './errors.js';
import { iso } from './sql.js';
import { inTransaction } from './transaction.js';

// An arbitrary constant that names the user-creation lock among the server's advisory locks.
// Holding it while creating a user makes "is this the first user?" and the insert one step
// across every server instance.
const userCreationLockKey = 0x6d656d31;

// PostgreSQL's SQLSTATE for a unique constraint violation.
const uniqueViolation = '23505';

export const userColumns = `id, email, name, password_hash, is_admin, ${iso('disabled_at')} AS disabled_at,
  ${iso('created_at')} AS created_at`;
const sessionColumns = `id, user_id, ${iso('created_at')} AS created_at,
  ${iso('expires_at')} AS expires_at, ${iso('revoked_at')} AS revoked_at, revoked_reason`;
const refreshTokenColumns = `id, session_id, token_hash, ${iso('created_at')} AS created_at,
  ${iso('used_at')} AS used_at`;
const apiKeyColumns = `id, user_id, name, prefix, key_hash, scope, ${iso('created_at')} AS created_at,
  ${iso('expires_at')} AS expires_at, ${iso('last_used_at')} AS last_used_at,
  ${iso('revoked_at')} AS revoked_at`;

export interface UserRow {
  id: string;
  email: string | null;
  name: string | null;
  password_hash: string | null;
  is_admin: boolean;
  disabled_at: string | null;
  created_at: string;
}

/**
 * Users, sessions, refresh tokens and API keys in PostgreSQL, with plain parameterized SQL.
 * Timestamps go in as ISO strings and come back as ISO strings formatted by the query. An
 * unreachable database rejects with `store_unavailable`.
 */
export class PostgresAccountRepository implements AccountRepository {
  private readonly pool: Pool;

  constructor(pool: Pool) {
    this.pool = pool;
  }

  async createUser(input: NewUser): Promise<UserRecord> {
    const user = await this.insertUser(input, false);
    return user!;
  }

  async createFirstUser(input: NewUser): Promise<UserRecord | undefined> {
    return this.insertUser(input, true);
  }

  async countUsers(): Promise<number> {
    const { rows } = await this.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM users WHERE password_hash IS NOT NULL',
    );
    return rows[0]!.count;
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    const { rows } = await this.query<UserRow>(`SELECT ${userColumns} FROM users WHERE id = $1`, [
      id,
    ]);
    return rows[0] && toUser(rows[0]);
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const { rows } = await this.query<UserRow>(
      `SELECT ${userColumns} FROM users WHERE email = $1`,
      [email.toLowerCase()],
    );
    return rows[0] && toUser(rows[0]);
  }

  async createSession(input: NewSession): Promise<SessionRecord> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<SessionRow>(
        `INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)
         RETURNING ${sessionColumns}`,
        [newId(Date.parse(input.createdAt)), input.userId, input.createdAt, input.expiresAt],
      );
      const session = toSession(rows[0]!);
      await insertRefreshToken(client, session.id, input.refreshTokenHash, input.createdAt);
      return session;
    });
  }

  async findSession(id: string): Promise<SessionRecord | undefined> {
    const { rows } = await this.query<SessionRow>(
      `SELECT ${sessionColumns} FROM sessions WHERE id = $1`,
      [id],
    );
    return rows[0] && toSession(rows[0]);
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const { rows } = await this.query<RefreshTokenRow>(
      `SELECT ${refreshTokenColumns} FROM refresh_tokens WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows[0] && toRefreshToken(rows[0]);
  }

  async rotateRefreshToken(rotation: RefreshTokenRotation): Promise<RotationOutcome> {
    return this.transaction(async (client) => {
      // FOR UPDATE makes a concurrent rotation of the same token wait for this transaction,
      // then read the token as this one left it: used.
      const { rows } = await client.query<
        SessionRow & { token_id: string; used_at: string | null }
      >(
        `SELECT t.id AS token_id, ${iso('t.used_at')} AS used_at, s.id, s.user_id,
           ${iso('s.created_at')} AS created_at, ${iso('s.expires_at')} AS expires_at,
           ${iso('s.revoked_at')} AS revoked_at, s.revoked_reason
         FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
         WHERE t.token_hash = $1
         FOR UPDATE OF t`,
        [rotation.tokenHash],
      );
      const row = rows[0];
      if (row === undefined) {
        return { status: 'unknown' };
      }

      const session = toSession(row);
      if (session.revokedAt !== null) {
        return { status: 'revoked', session };
      }
      if (Date.parse(session.expiresAt) <= Date.parse(rotation.now)) {
        return { status: 'expired', session };
      }
      if (row.used_at !== null) {
        // ISO 8601 UTC strings of one format compare in time order.
        const withinGrace =
          rotation.reusableSince !== undefined && row.used_at >= rotation.reusableSince;
        if (!withinGrace) {
          return { status: 'reused', session };
        }
      } else {
        await client.query('UPDATE refresh_tokens SET used_at = $2 WHERE id = $1', [
          row.token_id,
          rotation.now,
        ]);
      }
      const token = await insertRefreshToken(
        client,
        session.id,
        rotation.nextTokenHash,
        rotation.now,
      );
      return { status: 'rotated', session, token };
    });
  }

  async revokeSession(sessionId: string, reason: string, now: string): Promise<boolean> {
    const { rowCount } = await this.query(
      `UPDATE sessions SET revoked_at = $3, revoked_reason = $2
       WHERE id = $1 AND revoked_at IS NULL`,
      [sessionId, reason, now],
    );
    return rowCount === 1;
  }

  async createApiKey(input: NewApiKey): Promise<ApiKeyRecord> {
    const { rows } = await this.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scope, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING ${apiKeyColumns}`,
      [
        newId(Date.parse(input.createdAt)),
        input.userId,
        input.name,
        input.prefix,
        input.keyHash,
        input.scope,
        input.createdAt,
        input.expiresAt,
      ],
    );
    return toApiKey(rows[0]!);
  }

  async listApiKeys(userId: string): Promise<ApiKeyRecord[]> {
    const { rows } = await this.query<ApiKeyRow>(
      `SELECT ${apiKeyColumns} FROM api_keys WHERE user_id = $1
       ORDER BY api_keys.created_at DESC, api_keys.id DESC`,
      [userId],
    );
    return rows.map(toApiKey);
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.query<ApiKeyRow>(
      `SELECT ${apiKeyColumns} FROM api_keys WHERE key_hash = $1`,
      [keyHash],
    );
    return rows[0] && toApiKey(rows[0]);
  }

  async revokeApiKey(
    userId: string,
    keyId: string,
    now: string,
  ): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3)
       WHERE id = $1 AND user_id = $2
       RETURNING ${apiKeyColumns}`,
      [keyId, userId, now],
    );
    return rows[0] && toApiKey(rows[0]);
  }

  async touchApiKey(keyId: string, now: string): Promise<void> {
    await this.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [keyId, now]);
  }

  private async insertUser(input: NewUser, onlyFirst: boolean): Promise<UserRecord | undefined> {
    try {
      return await this.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [userCreationLockKey]);
        const { rows: existing } = await client.query<{ found: boolean }>(
          'SELECT EXISTS (SELECT 1 FROM users WHERE password_hash IS NOT NULL) AS found',
        );
        const isFirst = !existing[0]!.found;
        if (onlyFirst && !isFirst) {
          return undefined;
        }

        const createdAtMs = Date.parse(input.createdAt);
        const { rows } = await client.query<UserRow>(
          `INSERT INTO users (id, email, name, password_hash, is_admin, created_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING ${userColumns}`,
          [
            newId(createdAtMs),
            input.email.toLowerCase(),
            input.name,
            input.passwordHash,
            isFirst,
            input.createdAt,
          ],
        );
        const user = toUser(rows[0]!);
        await client.query(
          'INSERT INTO contexts (id, name, owner_id, created_at) VALUES ($1, $2, $3, $4)',
          [newId(createdAtMs), defaultContext, user.id, input.createdAt],
        );
        return user;
      });
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_key')) {
        throw emailTaken(input.email, error);
      }
      throw error;
    }
  }

  private async query<R extends QueryResultRow>(
    sql: string,
    values: unknown[] = [],
  ): Promise<QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, values);
    } catch (error) {
      throw translatePostgresError(error);
    }
  }

  /** Run `work` in a transaction on one client of the pool. */
  private transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }
}

async function insertRefreshToken(
  client: PoolClient,
  sessionId: string,
  tokenHash: string,
  createdAt: string,
): Promise<RefreshTokenRecord> {
  const { rows } = await client.query<RefreshTokenRow>(
    `INSERT INTO refresh_tokens (id, session_id, token_hash, created_at) VALUES ($1, $2, $3, $4)
     RETURNING ${refreshTokenColumns}`,
    [newId(Date.parse(createdAt)), sessionId, tokenHash, createdAt],
  );
  return toRefreshToken(rows[0]!);
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const fields = error as { code?: unknown; constraint?: unknown };
  return fields.code === uniqueViolation && fields.constraint === constraint;
}

export function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    isAdmin: row.is_admin,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
  };
}

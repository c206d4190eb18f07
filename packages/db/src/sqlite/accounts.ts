import type Database from 'better-sqlite3';

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
import { translateSqliteError } from './errors.js';

const userColumns = 'id, email, name, password_hash, is_admin, disabled_at, created_at';
const sessionColumns = 'id, user_id, created_at, expires_at, revoked_at, revoked_reason';
const refreshTokenColumns = 'id, session_id, token_hash, created_at, used_at';
const apiKeyColumns =
  'id, user_id, name, prefix, key_hash, scope, created_at, expires_at, last_used_at, revoked_at';

interface UserRow {
  id: string;
  email: string | null;
  name: string | null;
  password_hash: string | null;
  /** SQLite has no boolean type: 0 or 1. */
  is_admin: number;
  disabled_at: string | null;
  created_at: string;
}

/**
 * Users, sessions, refresh tokens and API keys in a SQLite database opened with
 * `openSqliteDatabase` (or `SqliteStore.database`). Timestamps are stored as the ISO strings
 * they come in as. Every write that reads first runs in an IMMEDIATE transaction, which takes
 * the write lock before reading, so other processes on the same file cannot interleave.
 */
export class SqliteAccountRepository implements AccountRepository {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.db = db;
  }

  async createUser(input: NewUser): Promise<UserRecord> {
    return this.insertUser(input, false)!;
  }

  async createFirstUser(input: NewUser): Promise<UserRecord | undefined> {
    return this.insertUser(input, true);
  }

  async countUsers(): Promise<number> {
    return this.read(
      () =>
        this.statement('SELECT count(*) FROM users WHERE password_hash IS NOT NULL')
          .pluck()
          .get() as number,
    );
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    return this.read(() => {
      const row = this.statement(`SELECT ${userColumns} FROM users WHERE id = ?`).get(id) as
        UserRow | undefined;
      return row && toUser(row);
    });
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    return this.read(() => {
      const row = this.statement(`SELECT ${userColumns} FROM users WHERE email = ?`).get(
        email.toLowerCase(),
      ) as UserRow | undefined;
      return row && toUser(row);
    });
  }

  async createSession(input: NewSession): Promise<SessionRecord> {
    return this.write(() => {
      const id = newId(Date.parse(input.createdAt));
      this.statement(
        'INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
      ).run(id, input.userId, input.createdAt, input.expiresAt);
      this.insertRefreshToken(id, input.refreshTokenHash, input.createdAt);
      return this.selectSession(id)!;
    });
  }

  async findSession(id: string): Promise<SessionRecord | undefined> {
    return this.read(() => this.selectSession(id));
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    return this.read(() => this.selectRefreshToken(tokenHash));
  }

  async rotateRefreshToken(rotation: RefreshTokenRotation): Promise<RotationOutcome> {
    return this.write(() => {
      const presented = this.selectRefreshToken(rotation.tokenHash);
      if (presented === undefined) {
        return { status: 'unknown' };
      }

      const session = this.selectSession(presented.sessionId)!;
      if (session.revokedAt !== null) {
        return { status: 'revoked', session };
      }
      if (Date.parse(session.expiresAt) <= Date.parse(rotation.now)) {
        return { status: 'expired', session };
      }
      if (presented.usedAt !== null) {
        // ISO 8601 UTC strings of one format compare in time order.
        const withinGrace =
          rotation.reusableSince !== undefined && presented.usedAt >= rotation.reusableSince;
        if (!withinGrace) {
          return { status: 'reused', session };
        }
      } else {
        this.statement('UPDATE refresh_tokens SET used_at = ? WHERE id = ?').run(
          rotation.now,
          presented.id,
        );
      }
      const token = this.insertRefreshToken(session.id, rotation.nextTokenHash, rotation.now);
      return { status: 'rotated', session, token };
    });
  }

  async revokeSession(sessionId: string, reason: string, now: string): Promise<boolean> {
    return this.write(() => {
      const { changes } = this.statement(
        `UPDATE sessions SET revoked_at = ?, revoked_reason = ?
         WHERE id = ? AND revoked_at IS NULL`,
      ).run(now, reason, sessionId);
      return changes === 1;
    });
  }

  async createApiKey(input: NewApiKey): Promise<ApiKeyRecord> {
    return this.write(() => {
      const id = newId(Date.parse(input.createdAt));
      this.statement(
        `INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scope, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        input.userId,
        input.name,
        input.prefix,
        input.keyHash,
        input.scope,
        input.createdAt,
        input.expiresAt,
      );
      return this.selectApiKey(id)!;
    });
  }

  async listApiKeys(userId: string): Promise<ApiKeyRecord[]> {
    return this.read(() => {
      const rows = this.statement(
        `SELECT ${apiKeyColumns} FROM api_keys WHERE user_id = ? ORDER BY created_at DESC, id DESC`,
      ).all(userId) as ApiKeyRow[];
      return rows.map(toApiKey);
    });
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.read(() => {
      const row = this.statement(`SELECT ${apiKeyColumns} FROM api_keys WHERE key_hash = ?`).get(
        keyHash,
      ) as ApiKeyRow | undefined;
      return row && toApiKey(row);
    });
  }

  async revokeApiKey(
    userId: string,
    keyId: string,
    now: string,
  ): Promise<ApiKeyRecord | undefined> {
    return this.write(() => {
      const { changes } = this.statement(
        `UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND user_id = ?`,
      ).run(now, keyId, userId);
      return changes === 1 ? this.selectApiKey(keyId) : undefined;
    });
  }

  async touchApiKey(keyId: string, now: string): Promise<void> {
    this.write(() => {
      this.statement('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(now, keyId);
    });
  }

  private insertUser(input: NewUser, onlyFirst: boolean): UserRecord | undefined {
    try {
      return this.write(() => {
        const isFirst =
          this.statement('SELECT 1 FROM users WHERE password_hash IS NOT NULL LIMIT 1').get() ===
          undefined;
        if (onlyFirst && !isFirst) {
          return undefined;
        }

        const createdAtMs = Date.parse(input.createdAt);
        const id = newId(createdAtMs);
        this.statement(
          `INSERT INTO users (id, email, name, password_hash, is_admin, created_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        ).run(
          id,
          input.email.toLowerCase(),
          input.name,
          input.passwordHash,
          isFirst ? 1 : 0,
          input.createdAt,
        );
        this.statement(
          'INSERT INTO contexts (id, name, owner_id, created_at) VALUES (?, ?, ?, ?)',
        ).run(newId(createdAtMs), defaultContext, id, input.createdAt);

        const row = this.statement(`SELECT ${userColumns} FROM users WHERE id = ?`).get(
          id,
        ) as UserRow;
        return toUser(row);
      });
    } catch (error) {
      if (isEmailConflict(error)) {
        throw emailTaken(input.email, error);
      }
      throw error;
    }
  }

  private insertRefreshToken(
    sessionId: string,
    tokenHash: string,
    createdAt: string,
  ): RefreshTokenRecord {
    const id = newId(Date.parse(createdAt));
    this.statement(
      'INSERT INTO refresh_tokens (id, session_id, token_hash, created_at) VALUES (?, ?, ?, ?)',
    ).run(id, sessionId, tokenHash, createdAt);
    return { id, sessionId, tokenHash, createdAt, usedAt: null };
  }

  private selectSession(id: string): SessionRecord | undefined {
    const row = this.statement(`SELECT ${sessionColumns} FROM sessions WHERE id = ?`).get(id) as
      SessionRow | undefined;
    return row && toSession(row);
  }

  private selectRefreshToken(tokenHash: string): RefreshTokenRecord | undefined {
    const row = this.statement(
      `SELECT ${refreshTokenColumns} FROM refresh_tokens WHERE token_hash = ?`,
    ).get(tokenHash) as RefreshTokenRow | undefined;
    return row && toRefreshToken(row);
  }

  private selectApiKey(id: string): ApiKeyRecord | undefined {
    const row = this.statement(`SELECT ${apiKeyColumns} FROM api_keys WHERE id = ?`).get(id) as
      ApiKeyRow | undefined;
    return row && toApiKey(row);
  }

  private read<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw translateSqliteError(error, this.db.name);
    }
  }

  /** Run `work` in an IMMEDIATE transaction: it takes the write lock first, then reads. */
  private write<T>(work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (error) {
      throw translateSqliteError(error, this.db.name);
    }
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

// Read by shape, not with instanceof Error: better-sqlite3 makes its errors with the constructor
// of the realm that first loaded the native module, which need not be this one (Jest runs each
// test file in its own realm).
function isEmailConflict(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    typeof message === 'string' &&
    message.includes('users.email')
  );
}

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    isAdmin: row.is_admin === 1,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
  };
}

import type { Pool, PoolClient } from 'pg';

import {
  type AuditEntry,
  type AuditEvent,
  type AuditPage,
  type AuditQuery,
  decodeCursor,
  encodeCursor,
  invalidArgument,
  Mem0Error,
  newId,
  notFound,
  type UserRecord,
} from '@memzero/core';

import { toUser, userColumns, type UserRow } from './accounts.js';
import { translatePostgresError } from './errors.js';
import { iso } from './sql.js';
import { inTransaction } from './transaction.js';

interface AuditRow {
  id: string;
  occurred_at: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
}

// Names the lock among the server's advisory locks that serializes disabling administrators, so
// that two admins who disable each other at once cannot leave the server without one.
const adminChangeLockKey = 0x6d656d32;

const auditColumns = `id, ${iso('occurred_at')} AS occurred_at, actor_id, action, target_type,
  target_id, ip, user_agent, details`;

/**
 * The instance administrator's data in PostgreSQL: the audit log, the settings
 * changed at run time, and the list of users with their disabled flag.
 */
export class PostgresAdministration {
  private readonly pool: Pool;

  constructor(pool: Pool) {
    this.pool = pool;
  }

  /** Append one entry to the audit log at `occurredAt`. */
  async recordAudit(entry: AuditEntry, occurredAt: string): Promise<void> {
    await this.run(() =>
      this.pool.query(
        `INSERT INTO audit_events
           (id, occurred_at, actor_id, action, target_type, target_id, ip, user_agent, details,
            team_id)
         VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8, $9::jsonb, $10)`,
        [
          newId(),
          occurredAt,
          entry.actorId ?? null,
          entry.action,
          entry.targetType ?? null,
          entry.targetId ?? null,
          entry.origin?.ip ?? null,
          entry.origin?.userAgent?.slice(0, 512) ?? null,
          JSON.stringify(entry.details ?? {}),
          entry.teamId ?? null,
        ],
      ),
    );
  }

  /** Return audit events newest first, filtered by actor, action and time, one page at a time. */
  async listAudit(query: AuditQuery): Promise<AuditPage> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const add = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };

    if (query.actorId !== undefined) {
      conditions.push(`actor_id = ${add(query.actorId)}`);
    }
    if (query.teamId !== undefined) {
      conditions.push(`team_id = ${add(query.teamId)}`);
    }
    if (query.action !== undefined) {
      conditions.push(`action = ${add(query.action)}`);
    }
    if (query.since !== undefined) {
      conditions.push(`occurred_at >= ${add(query.since)}::timestamptz`);
    }
    if (query.until !== undefined) {
      conditions.push(`occurred_at < ${add(query.until)}::timestamptz`);
    }
    if (query.cursor !== undefined) {
      const after = positionOf(query.cursor);
      conditions.push(`(occurred_at, id) < (${add(after.at)}::timestamptz, ${add(after.id)})`);
    }

    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const { rows } = await this.run(() =>
      this.pool.query<AuditRow>(
        `SELECT ${auditColumns} FROM audit_events ${where}
         ORDER BY occurred_at DESC, id DESC LIMIT ${add(query.limit + 1)}`,
        values,
      ),
    );

    const items = rows.slice(0, query.limit).map(toAuditEvent);
    const last = items.at(-1);
    const nextCursor =
      rows.length > query.limit && last ? encodeCursor({ at: last.occurredAt, id: last.id }) : null;
    return { items, nextCursor };
  }

  /** Delete the audit events older than `before`; returns how many were deleted. */
  async pruneAudit(before: string): Promise<number> {
    const result = await this.run(() =>
      this.pool.query('DELETE FROM audit_events WHERE occurred_at < $1::timestamptz', [before]),
    );
    return result.rowCount ?? 0;
  }

  /** Return a setting changed at run time, or undefined when it was never set. */
  async setting(name: string): Promise<string | undefined> {
    const { rows } = await this.run(() =>
      this.pool.query<{ value: string }>('SELECT value FROM instance_settings WHERE name = $1', [
        name,
      ]),
    );
    return rows[0]?.value;
  }

  async changeSetting(name: string, value: string, by: string, at: string): Promise<void> {
    await this.run(() =>
      this.pool.query(
        `INSERT INTO instance_settings (name, value, updated_at, updated_by)
         VALUES ($1, $2, $3::timestamptz, $4)
         ON CONFLICT (name) DO UPDATE
           SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at,
               updated_by = EXCLUDED.updated_by`,
        [name, value, at, by],
      ),
    );
  }

  /** Remove a setting changed at run time, so that its environment variable applies again. */
  async removeSetting(name: string): Promise<void> {
    await this.run(() => this.pool.query('DELETE FROM instance_settings WHERE name = $1', [name]));
  }

  /** Return the id of the user with `email`, or undefined when there is none. */
  async userIdByEmail(email: string): Promise<string | undefined> {
    const { rows } = await this.run(() =>
      this.pool.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [
        email.trim().toLowerCase(),
      ]),
    );
    return rows[0]?.id;
  }

  /** Return the email of a user, or undefined when there is no such user. */
  async emailOf(userId: string): Promise<string | undefined> {
    const { rows } = await this.run(() =>
      this.pool.query<{ email: string | null }>('SELECT email FROM users WHERE id = $1', [userId]),
    );
    return rows[0]?.email ?? undefined;
  }

  /** Return the id of a team by name, or undefined when there is none. */
  async teamIdByName(name: string): Promise<string | undefined> {
    const { rows } = await this.run(() =>
      this.pool.query<{ id: string }>('SELECT id FROM teams WHERE name = $1', [name]),
    );
    return rows[0]?.id;
  }

  /** Return the users in the order they registered, one page at a time. */
  async listUsers(
    limit: number,
    cursor?: string,
  ): Promise<{ items: UserRecord[]; nextCursor: string | null }> {
    const after = cursor === undefined ? undefined : positionOf(cursor);
    const { rows } = await this.run(() =>
      this.pool.query<UserRow>(
        `SELECT ${userColumns} FROM users
         WHERE password_hash IS NOT NULL
           ${after ? 'AND (created_at, id) > ($2::timestamptz, $3)' : ''}
         ORDER BY created_at, id LIMIT $1`,
        after ? [limit + 1, after.at, after.id] : [limit + 1],
      ),
    );
    const items = rows.slice(0, limit).map(toUser);
    const last = items.at(-1);
    const nextCursor =
      rows.length > limit && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null;
    return { items, nextCursor };
  }

  /**
   * Disable a user (`at` a time) or enable one (`at` null), and report whether anything changed:
   * disabling a disabled user keeps the time of the first disable. Their sessions and keys stop
   * working at once, because authentication checks the flag on every request. Rejects with
   * `not_found` for an unknown user, and with `conflict` when the last active administrator
   * would be disabled; a lock makes that check hold against concurrent requests.
   */
  async setUserDisabled(
    userId: string,
    at: string | null,
  ): Promise<{ user: UserRecord; changed: boolean }> {
    return inTransaction(this.pool, async (client) => {
      const user = await lockedUser(client, userId);
      if ((user.disabled_at !== null) === (at !== null)) {
        return { user: toUser(user), changed: false };
      }
      if (at !== null && user.is_admin) {
        await requireAnotherActiveAdmin(
          client,
          userId,
          'This is the last active administrator; disabling them would leave nobody to manage the server.',
        );
      }
      const { rows } = await client.query<UserRow>(
        `UPDATE users SET disabled_at = $2::timestamptz WHERE id = $1 RETURNING ${userColumns}`,
        [userId, at],
      );
      return { user: toUser(rows[0]!), changed: true };
    });
  }

  /**
   * Make a user an administrator, or take the role away. The last active administrator keeps
   * it, checked under the same lock as disabling, so two admins who revoke each other at once
   * leave one.
   */
  async setUserAdmin(
    userId: string,
    admin: boolean,
  ): Promise<{ user: UserRecord; changed: boolean }> {
    return inTransaction(this.pool, async (client) => {
      const user = await lockedUser(client, userId);
      if (user.is_admin === admin) {
        return { user: toUser(user), changed: false };
      }
      if (!admin) {
        await requireAnotherActiveAdmin(
          client,
          userId,
          'This is the last active administrator; revoking the role would leave nobody to manage the server.',
        );
      }
      const { rows } = await client.query<UserRow>(
        `UPDATE users SET is_admin = $2 WHERE id = $1 RETURNING ${userColumns}`,
        [userId, admin],
      );
      return { user: toUser(rows[0]!), changed: true };
    });
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translatePostgresError(error);
    }
  }
}

/**
 * Take the lock that serializes changes to administrators, then read the user with a password
 * (not the implicit local user); reject an unknown id.
 */
async function lockedUser(client: PoolClient, userId: string): Promise<UserRow> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [adminChangeLockKey]);
  const { rows } = await client.query<UserRow>(
    `SELECT ${userColumns} FROM users WHERE id = $1 AND password_hash IS NOT NULL`,
    [userId],
  );
  if (rows[0] === undefined) {
    throw notFound(`No user has the id ${userId}. "mem0 admin users" lists the ids.`);
  }
  return rows[0];
}

/** Reject a change that would leave no active administrator but `userId`. */
async function requireAnotherActiveAdmin(
  client: PoolClient,
  userId: string,
  message: string,
): Promise<void> {
  const { rows } = await client.query<{ others: number }>(
    `SELECT count(*)::int AS others FROM users
     WHERE is_admin AND disabled_at IS NULL AND id <> $1`,
    [userId],
  );
  if (rows[0]!.others === 0) {
    throw new Mem0Error('conflict', message);
  }
}

/** Decode a page cursor: the time and id of the last item of the previous page. */
function positionOf(cursor: string): { at: string; id: string } {
  const position = decodeCursor(cursor, { at: 'string', id: 'string' });
  if (Number.isNaN(Date.parse(position.at))) {
    throw invalidArgument('The cursor is invalid. Use the nextCursor of the previous page.');
  }
  return position;
}

function toAuditEvent(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    occurredAt: row.occurred_at,
    actorId: row.actor_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    ip: row.ip,
    userAgent: row.user_agent,
    details: row.details,
  };
}

import { createHash, randomBytes } from 'node:crypto';

import type { Pool, PoolClient } from 'pg';

import {
  type AuditAction,
  type AuditEntry,
  type AuditOrigin,
  type AuditRecorder,
  invalidArgument,
  Mem0Error,
  newId,
  notFound,
  type Share,
  type SharePermission,
  type Team,
  type TeamInvite,
  type TeamMember,
  type TeamRole,
} from '@memzero/core';

import { findContext } from './access.js';
import { translatePostgresError } from './errors.js';
import { accessLevel, contextLabel, contextLevel, iso } from './sql.js';
import { inTransaction } from './transaction.js';

/** The caller of a team or share operation: who acts, and from where, for the audit log. */
export interface Actor {
  userId: string;
  origin?: AuditOrigin | undefined;
}

/** The receiver of a share: a user by email or a team by name. */
export type Grantee = { type: 'user'; email: string } | { type: 'team'; name: string };

export interface PostgresTeamsOptions {
  /** Receives an entry for every change, after it committed. */
  audit?: AuditRecorder;
  /** Clock for timestamps, in milliseconds since the epoch. */
  now?: () => number;
}

/** The lifetime of an invite whose creator gives no expiry. */
export const defaultInviteLifetimeMs = 7 * 24 * 3600 * 1000;
/** The maximum lifetime of an invite. */
export const maxInviteLifetimeMs = 30 * 24 * 3600 * 1000;

// Invite tokens start with this, so that a person or a secret scanner can tell what they are.
const invitePrefix = 'mem0_inv_';

interface Membership {
  team_id: string;
  team_name: string;
  role: TeamRole;
}

interface MemberRow {
  user_id: string;
  email: string | null;
  name: string | null;
  role: TeamRole;
  joined_at: string;
}

interface InviteRow {
  id: string;
  team_id: string;
  team: string;
  email: string;
  role: TeamRole;
  invited_by: string;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
}

interface ShareRow {
  id: string;
  context: string;
  grantee_type: 'user' | 'team';
  grantee_name: string;
  permission: SharePermission;
  created_by: string;
  created_at: string;
}

const memberColumns = `tm.user_id, u.email, u.name, tm.role, ${iso('tm.created_at')} AS joined_at`;

const inviteColumns = `i.id, i.team_id, t.name AS team, i.email, i.role,
  coalesce(ib.email, i.invited_by) AS invited_by, ${iso('i.created_at')} AS created_at,
  ${iso('i.expires_at')} AS expires_at, ${iso('i.accepted_at')} AS accepted_at,
  ${iso('i.revoked_at')} AS revoked_at`;

/**
 * Teams, their members and invites, and the shares of contexts, on PostgreSQL. Every method
 * acts for one user and checks that user's role inside its queries. A team the user does not
 * belong to, or a context the user cannot see, is not found. A change the user's role does
 * not allow is forbidden. Changes to a team's members run with the team's row locked, so two
 * owners who demote each other at once cannot leave the team without an owner.
 */
export class PostgresTeams {
  private readonly pool: Pool;
  private readonly audit: AuditRecorder | undefined;
  private readonly now: () => number;

  constructor(pool: Pool, options: PostgresTeamsOptions = {}) {
    this.pool = pool;
    this.audit = options.audit;
    this.now = options.now ?? Date.now;
  }

  /** Return the teams the user belongs to, by name, with the user's role. */
  async teams(userId: string): Promise<Team[]> {
    return this.selectTeams(userId);
  }

  /** Return one team the user belongs to. */
  async team(userId: string, name: string): Promise<Team> {
    const [team] = await this.selectTeams(userId, name);
    if (team === undefined) {
      throw unknownTeam(name);
    }
    return team;
  }

  /** Create a team with the user as its owner. */
  async createTeam(actor: Actor, name: string): Promise<Team> {
    const now = this.timestamp();
    const id = newId(this.now());
    await this.transaction(async (client) => {
      const { rowCount } = await client.query(
        `INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3::timestamptz)
         ON CONFLICT (name) DO NOTHING`,
        [id, name, now],
      );
      if (rowCount === 0) {
        throw new Mem0Error(
          'conflict',
          `A team named "${name}" already exists. Pick another name.`,
        );
      }
      await client.query(
        `INSERT INTO team_members (team_id, user_id, role, created_at)
         VALUES ($1, $2, 'owner', $3::timestamptz)`,
        [id, actor.userId, now],
      );
    });
    await this.record(actor, 'team.create', id, { targetType: 'team', targetId: id, name });
    return { id, name, createdAt: now, role: 'owner', memberCount: 1 };
  }

  /** Rename a team; its owners only. Its contexts are then named with the new name. */
  async renameTeam(actor: Actor, name: string, newName: string): Promise<Team> {
    const membership = await this.transaction(async (client) => {
      const found = await this.membership(client, actor.userId, name);
      requireRole(found, ['owner'], `Only an owner of team "${name}" can rename it.`);
      if (newName === name) {
        return found;
      }
      const { rowCount } = await client.query(
        `UPDATE teams SET name = $2 WHERE id = $1
           AND NOT EXISTS (SELECT 1 FROM teams WHERE name = $2)`,
        [found.team_id, newName],
      );
      if (rowCount === 0) {
        throw new Mem0Error(
          'conflict',
          `A team named "${newName}" already exists. Pick another name.`,
        );
      }
      return found;
    });
    if (newName !== name) {
      await this.record(actor, 'team.rename', membership.team_id, {
        targetType: 'team',
        targetId: membership.team_id,
        from: name,
        to: newName,
      });
    }
    return this.team(actor.userId, newName);
  }

  /**
   * Delete a team with its contexts, invites and shares; its owners only. While the team's
   * contexts hold memories, it is refused unless `deleteMemories` is set.
   */
  async deleteTeam(
    actor: Actor,
    name: string,
    options: { deleteMemories?: boolean } = {},
  ): Promise<{ deletedMemories: number }> {
    const result = await this.transaction(async (client) => {
      const found = await this.membership(client, actor.userId, name);
      requireRole(found, ['owner'], `Only an owner of team "${name}" can delete it.`);
      const { rows } = await client.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM memories m JOIN contexts c ON c.id = m.context_id
         WHERE c.team_id = $1`,
        [found.team_id],
      );
      const memories = rows[0]!.count;
      if (memories > 0 && !options.deleteMemories) {
        throw new Mem0Error(
          'conflict',
          `The contexts of team "${name}" hold ${memories} memories. Move or delete them first, or confirm that they go with the team.`,
          { details: { memories } },
        );
      }
      await client.query('DELETE FROM teams WHERE id = $1', [found.team_id]);
      return { teamId: found.team_id, deletedMemories: memories };
    });
    await this.record(actor, 'team.delete', result.teamId, {
      targetType: 'team',
      targetId: result.teamId,
      name,
      deletedMemories: result.deletedMemories,
    });
    return { deletedMemories: result.deletedMemories };
  }

  /** Return the members of a team, owners first. Any member may list them. */
  async members(userId: string, name: string): Promise<TeamMember[]> {
    return this.read(async () => {
      const found = await this.membership(this.pool, userId, name);
      const { rows } = await this.pool.query<MemberRow>(
        `SELECT ${memberColumns} FROM team_members tm JOIN users u ON u.id = tm.user_id
         WHERE tm.team_id = $1
         ORDER BY CASE tm.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END,
           u.email COLLATE "C"`,
        [found.team_id],
      );
      return rows.map(toMember);
    });
  }

  /**
   * Change a member's role. Owners change any role; admins change members and admins between
   * those two roles. The last owner keeps the role.
   */
  async changeRole(
    actor: Actor,
    name: string,
    member: string,
    role: TeamRole,
  ): Promise<TeamMember> {
    const outcome = await this.transaction(async (client) => {
      const found = await this.membership(client, actor.userId, name, { lock: true });
      requireRole(
        found,
        ['owner', 'admin'],
        `Only owners and admins of team "${name}" can change roles.`,
      );
      const target = await this.member(client, found, member);
      if (found.role === 'admin' && (target.role === 'owner' || role === 'owner')) {
        throw new Mem0Error(
          'forbidden',
          `Only an owner of team "${name}" can make an owner or change an owner's role.`,
        );
      }
      if (target.role === role) {
        return { teamId: found.team_id, member: target, changed: false };
      }
      if (target.role === 'owner') {
        await this.keepAnOwner(client, found, `demote ${target.email ?? target.user_id}`);
      }
      await client.query('UPDATE team_members SET role = $3 WHERE team_id = $1 AND user_id = $2', [
        found.team_id,
        target.user_id,
        role,
      ]);
      return {
        teamId: found.team_id,
        member: { ...target, role },
        changed: true,
        from: target.role,
      };
    });
    if (outcome.changed) {
      await this.record(actor, 'team.member_role', outcome.teamId, {
        targetType: 'user',
        targetId: outcome.member.user_id,
        team: name,
        from: outcome.from,
        to: role,
      });
    }
    return toMember(outcome.member);
  }

  /**
   * Remove a member. Every member may leave; owners remove anyone, admins remove members and
   * admins. The last owner cannot go.
   */
  async removeMember(actor: Actor, name: string, member: string): Promise<void> {
    const removed = await this.transaction(async (client) => {
      const found = await this.membership(client, actor.userId, name, { lock: true });
      const target = await this.member(client, found, member);
      const leaving = target.user_id === actor.userId;
      if (!leaving) {
        requireRole(
          found,
          ['owner', 'admin'],
          `Only owners and admins of team "${name}" can remove members.`,
        );
        if (found.role === 'admin' && target.role === 'owner') {
          throw new Mem0Error('forbidden', `Only an owner of team "${name}" can remove an owner.`);
        }
      }
      if (target.role === 'owner') {
        await this.keepAnOwner(
          client,
          found,
          leaving ? 'leave' : `remove ${target.email ?? target.user_id}`,
        );
      }
      await client.query('DELETE FROM team_members WHERE team_id = $1 AND user_id = $2', [
        found.team_id,
        target.user_id,
      ]);
      return { teamId: found.team_id, target };
    });
    await this.record(actor, 'team.member_remove', removed.teamId, {
      targetType: 'user',
      targetId: removed.target.user_id,
      team: name,
      email: removed.target.email,
      role: removed.target.role,
    });
  }

  /**
   * Invite an email address to a team; owners and admins, and only owners invite owners.
   * Returns the invite and its token, which is shown this once: only its hash is stored.
   */
  async invite(
    actor: Actor,
    name: string,
    input: { email: string; role: TeamRole; expiresAt?: string | undefined },
  ): Promise<{ invite: TeamInvite; token: string }> {
    const now = this.now();
    const expiresAt = input.expiresAt ?? new Date(now + defaultInviteLifetimeMs).toISOString();
    const lifetime = Date.parse(expiresAt) - now;
    if (lifetime <= 0 || lifetime > maxInviteLifetimeMs) {
      throw invalidArgument('An invite must expire in the future and within 30 days.');
    }
    const token = `${invitePrefix}${randomBytes(24).toString('base64url')}`;
    const id = newId(now);

    const invite = await this.transaction(async (client) => {
      const found = await this.membership(client, actor.userId, name);
      requireRole(
        found,
        ['owner', 'admin'],
        `Only owners and admins of team "${name}" can invite.`,
      );
      if (input.role === 'owner' && found.role !== 'owner') {
        throw new Mem0Error('forbidden', `Only an owner of team "${name}" can invite an owner.`);
      }
      const { rows: members } = await client.query(
        `SELECT 1 FROM team_members tm JOIN users u ON u.id = tm.user_id
         WHERE tm.team_id = $1 AND u.email = $2`,
        [found.team_id, input.email],
      );
      if (members.length > 0) {
        throw new Mem0Error('conflict', `${input.email} is already a member of team "${name}".`);
      }
      await client.query(
        `INSERT INTO team_invites (id, team_id, email, role, token_hash, invited_by, created_at,
           expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8::timestamptz)`,
        [
          id,
          found.team_id,
          input.email,
          input.role,
          hashToken(token),
          actor.userId,
          new Date(now).toISOString(),
          expiresAt,
        ],
      );
      return this.inviteById(client, id);
    });
    await this.record(actor, 'team.invite', invite.team_id, {
      targetType: 'invite',
      targetId: id,
      team: name,
      email: input.email,
      role: input.role,
      expiresAt,
    });
    return { invite: toInvite(invite), token };
  }

  /** Return the invites of a team, newest first (owners and admins only). */
  async invites(userId: string, name: string): Promise<TeamInvite[]> {
    return this.read(async () => {
      const found = await this.membership(this.pool, userId, name);
      requireRole(
        found,
        ['owner', 'admin'],
        `Only owners and admins of team "${name}" can list its invites.`,
      );
      const { rows } = await this.pool.query<InviteRow>(
        `SELECT ${inviteColumns} FROM team_invites i JOIN teams t ON t.id = i.team_id
         LEFT JOIN users ib ON ib.id = i.invited_by
         WHERE i.team_id = $1 ORDER BY i.created_at DESC, i.id DESC`,
        [found.team_id],
      );
      return rows.map(toInvite);
    });
  }

  /** Revoke an unused invite; owners and admins only. */
  async revokeInvite(actor: Actor, name: string, inviteId: string): Promise<void> {
    const revoked = await this.transaction(async (client) => {
      const found = await this.membership(client, actor.userId, name);
      requireRole(
        found,
        ['owner', 'admin'],
        `Only owners and admins of team "${name}" can revoke invites.`,
      );
      const { rows } = await client.query<{ accepted_at: Date | null; revoked_at: Date | null }>(
        'SELECT accepted_at, revoked_at FROM team_invites WHERE id = $1 AND team_id = $2 FOR UPDATE',
        [inviteId.toUpperCase(), found.team_id],
      );
      const invite = rows[0];
      if (invite === undefined) {
        throw notFound(`Team "${name}" has no invite with id ${inviteId}.`);
      }
      if (invite.accepted_at !== null) {
        throw new Mem0Error(
          'conflict',
          `Invite ${inviteId} was already used; remove the member instead.`,
        );
      }
      if (invite.revoked_at !== null) {
        return undefined;
      }
      await client.query('UPDATE team_invites SET revoked_at = $2::timestamptz WHERE id = $1', [
        inviteId.toUpperCase(),
        this.timestamp(),
      ]);
      return found.team_id;
    });
    if (revoked !== undefined) {
      await this.record(actor, 'team.invite_revoke', revoked, {
        targetType: 'invite',
        targetId: inviteId.toUpperCase(),
        team: name,
      });
    }
  }

  /**
   * Check that an invite token can be redeemed by `email` now, without redeeming it: used
   * before an account is created for it. Rejects with `forbidden` and the reason otherwise.
   */
  async checkInvite(token: string, email: string): Promise<TeamInvite> {
    return this.read(async () =>
      toInvite(usableInvite(await this.inviteByToken(this.pool, token), email, this.now())),
    );
  }

  /**
   * Redeem an invite token: the user joins the team with the invite's role, and the token
   * stops working. The user's email must be the one invited.
   */
  async acceptInvite(actor: Actor, email: string, token: string): Promise<Team> {
    const invite = await this.transaction(async (client) => {
      const found = usableInvite(
        await this.inviteByToken(client, token, { lock: true }),
        email,
        this.now(),
      );
      const now = this.timestamp();
      await client.query(
        `INSERT INTO team_members (team_id, user_id, role, created_at)
         VALUES ($1, $2, $3, $4::timestamptz) ON CONFLICT (team_id, user_id) DO NOTHING`,
        [found.team_id, actor.userId, found.role, now],
      );
      await client.query(
        'UPDATE team_invites SET accepted_at = $2::timestamptz, accepted_by = $3 WHERE id = $1',
        [found.id, now, actor.userId],
      );
      return found;
    });
    await this.record(actor, 'team.join', invite.team_id, {
      targetType: 'invite',
      targetId: invite.id,
      team: invite.team,
      role: invite.role,
    });
    return this.team(actor.userId, invite.team);
  }

  /** Return the id of a team the user owns, for the team's part of the audit log. */
  async ownedTeamId(userId: string, name: string): Promise<string> {
    return this.read(async () => {
      const found = await this.membership(this.pool, userId, name);
      requireRole(found, ['owner'], `Only owners of team "${name}" can read its audit log.`);
      return found.team_id;
    });
  }

  /** Return the shares of the contexts the user manages, or of one of them. */
  async shares(userId: string, context?: string): Promise<Share[]> {
    return this.read(async () => {
      const contextId =
        context === undefined
          ? undefined
          : (await this.managedContext(this.pool, userId, context)).id;
      return this.selectShares(this.pool, userId, { contextId });
    });
  }

  /** Return the shares of the contexts the user manages, of one context or with one id. */
  private async selectShares(
    db: Pick<Pool, 'query'> | PoolClient,
    userId: string,
    filter: { contextId?: string | undefined; shareId?: string },
  ): Promise<Share[]> {
    const { rows } = await db.query<ShareRow>(
      `SELECT s.id, ${contextLabel('$1')} AS context,
           CASE WHEN s.user_id IS NOT NULL THEN 'user' ELSE 'team' END AS grantee_type,
           coalesce(gu.email, gt.name) AS grantee_name, s.permission,
           coalesce(cb.email, s.created_by) AS created_by, ${iso('s.created_at')} AS created_at
         FROM shares s JOIN contexts c ON c.id = s.context_id
         LEFT JOIN users gu ON gu.id = s.user_id
         LEFT JOIN teams gt ON gt.id = s.team_id
         LEFT JOIN users cb ON cb.id = s.created_by
         WHERE ${contextLevel('c.id', '$1')} >= ${accessLevel.manage}
           AND ($2::text IS NULL OR c.id = $2) AND ($3::text IS NULL OR s.id = $3)
         ORDER BY ${contextLabel('$1')} COLLATE "C", coalesce(gu.email, gt.name) COLLATE "C"`,
      [userId, filter.contextId ?? null, filter.shareId ?? null],
    );
    return rows.map(toShare);
  }

  /**
   * Share a context with a user or a team, or change the permission of an existing share.
   * Only those who manage the context may: its owner, or a team's owners and admins.
   */
  async share(
    actor: Actor,
    context: string,
    grantee: Grantee,
    permission: SharePermission,
  ): Promise<{ share: Share; created: boolean; changed: boolean }> {
    const outcome = await this.transaction(async (client) => {
      const target = await this.managedContext(client, actor.userId, context);
      const granteeId = await this.granteeId(client, grantee);
      if (
        (grantee.type === 'user' && granteeId === target.owner_id) ||
        (grantee.type === 'team' && granteeId === target.team_id)
      ) {
        throw invalidArgument(
          `The context "${context}" already belongs to ${granteeText(grantee)}.`,
        );
      }

      const column = grantee.type === 'user' ? 'user_id' : 'team_id';
      const { rows: existing } = await client.query<{ id: string; permission: SharePermission }>(
        `SELECT id, permission FROM shares WHERE context_id = $1 AND ${column} = $2 FOR UPDATE`,
        [target.id, granteeId],
      );
      const previous = existing[0];
      let id: string;
      if (previous === undefined) {
        id = newId(this.now());
        await client.query(
          `INSERT INTO shares (id, context_id, ${column}, permission, created_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6::timestamptz)`,
          [id, target.id, granteeId, permission, actor.userId, this.timestamp()],
        );
      } else {
        id = previous.id;
        await client.query('UPDATE shares SET permission = $2 WHERE id = $1', [id, permission]);
      }
      return {
        id,
        teamId: target.team_id,
        created: previous === undefined,
        changed: previous?.permission !== permission,
        from: previous?.permission,
      };
    });

    if (outcome.changed) {
      await this.record(
        actor,
        outcome.created ? 'share.create' : 'share.update',
        outcome.teamId ?? undefined,
        {
          targetType: 'share',
          targetId: outcome.id,
          context,
          grantee: granteeText(grantee),
          permission,
          ...(outcome.from === undefined ? {} : { from: outcome.from }),
        },
      );
    }
    const [share] = await this.read(() =>
      this.selectShares(this.pool, actor.userId, { shareId: outcome.id }),
    );
    return { share: share!, created: outcome.created, changed: outcome.changed };
  }

  /** Revoke a share; those who manage its context only. Access through it ends at once. */
  async revokeShare(actor: Actor, shareId: string): Promise<Share> {
    const id = shareId.toUpperCase();
    const revoked = await this.transaction(async (client) => {
      const { rows } = await client.query<{ team_id: string | null; level: number | null }>(
        `SELECT c.team_id, ${contextLevel('c.id', '$2')} AS level
         FROM shares s JOIN contexts c ON c.id = s.context_id WHERE s.id = $1 FOR UPDATE OF s`,
        [id, actor.userId],
      );
      const found = rows[0];
      if (found === undefined || found.level === null) {
        throw notFound(`No share with id ${shareId}. List shares to see their ids.`);
      }
      if (found.level < accessLevel.manage) {
        throw new Mem0Error('forbidden', 'Only those who manage a context can revoke its shares.');
      }

      const [share] = await this.selectShares(client, actor.userId, { shareId: id });
      await client.query('DELETE FROM shares WHERE id = $1', [id]);
      return { teamId: found.team_id, share: share! };
    });

    const { share } = revoked;
    await this.record(actor, 'share.revoke', revoked.teamId ?? undefined, {
      targetType: 'share',
      targetId: id,
      context: share.context,
      grantee: share.grantee.type === 'user' ? share.grantee.name : `team ${share.grantee.name}`,
      permission: share.permission,
    });
    return share;
  }

  private async managedContext(
    db: Pick<Pool, 'query'> | PoolClient,
    userId: string,
    name: string,
  ): Promise<{ id: string; team_id: string | null; owner_id: string | null }> {
    const context = await findContext(db, userId, name);
    if (context === undefined) {
      throw notFound(`No context named "${name}". List your contexts to see their names.`);
    }
    if (context.level < accessLevel.manage) {
      throw new Mem0Error(
        'forbidden',
        `Only the owner of the context "${name}" can share it (for a team's context, the team's owners and admins).`,
      );
    }
    return context;
  }

  private async granteeId(client: PoolClient, grantee: Grantee): Promise<string> {
    const { rows } =
      grantee.type === 'user'
        ? await client.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [
            grantee.email,
          ])
        : await client.query<{ id: string }>('SELECT id FROM teams WHERE name = $1', [
            grantee.name,
          ]);
    if (rows[0] === undefined) {
      throw notFound(
        grantee.type === 'user'
          ? `No account with the email ${grantee.email} on this server.`
          : `No team named "${grantee.name}" on this server.`,
      );
    }
    return rows[0].id;
  }

  /** Return the teams the user belongs to, or the one named `name`, with the user's role. */
  private async selectTeams(userId: string, name?: string): Promise<Team[]> {
    const { rows } = await this.read(() =>
      this.pool.query<Team>(
        `SELECT t.id, t.name, ${iso('t.created_at')} AS "createdAt", tm.role,
           (SELECT count(*)::int FROM team_members x WHERE x.team_id = t.id) AS "memberCount"
         FROM team_members tm JOIN teams t ON t.id = tm.team_id
         WHERE tm.user_id = $1 AND ($2::text IS NULL OR t.name = $2)
         ORDER BY t.name COLLATE "C"`,
        [userId, name ?? null],
      ),
    );
    return rows;
  }

  /** The user's membership of a team by name; a team the user is not in is not found. */
  private async membership(
    db: Pick<Pool, 'query'> | PoolClient,
    userId: string,
    name: string,
    options: { lock?: boolean } = {},
  ): Promise<Membership> {
    const { rows } = await db.query<Membership>(
      `SELECT t.id AS team_id, t.name AS team_name, tm.role
       FROM teams t JOIN team_members tm ON tm.team_id = t.id AND tm.user_id = $2
       WHERE t.name = $1 ${options.lock ? 'FOR UPDATE OF t' : ''}`,
      [name, userId],
    );
    if (rows[0] === undefined) {
      throw unknownTeam(name);
    }
    return rows[0];
  }

  /** A member of the team, named by email or user id. */
  private async member(
    client: PoolClient,
    team: Membership,
    reference: string,
  ): Promise<MemberRow> {
    const { rows } = await client.query<MemberRow>(
      `SELECT ${memberColumns} FROM team_members tm JOIN users u ON u.id = tm.user_id
       WHERE tm.team_id = $1 AND (u.email = lower($2) OR u.id = upper($2))`,
      [team.team_id, reference],
    );
    if (rows[0] === undefined) {
      throw notFound(`${reference} is not a member of team "${team.team_name}".`);
    }
    return rows[0];
  }

  /** Refuse a change that would take the last owner's role away. */
  private async keepAnOwner(client: PoolClient, team: Membership, change: string): Promise<void> {
    const { rows } = await client.query<{ owners: number }>(
      `SELECT count(*)::int AS owners FROM team_members WHERE team_id = $1 AND role = 'owner'`,
      [team.team_id],
    );
    if (rows[0]!.owners <= 1) {
      throw new Mem0Error(
        'conflict',
        `Cannot ${change}: that is the last owner of team "${team.team_name}". Make another member an owner first.`,
      );
    }
  }

  private async inviteById(client: PoolClient, id: string): Promise<InviteRow> {
    const { rows } = await client.query<InviteRow>(
      `SELECT ${inviteColumns} FROM team_invites i JOIN teams t ON t.id = i.team_id
       LEFT JOIN users ib ON ib.id = i.invited_by WHERE i.id = $1`,
      [id],
    );
    return rows[0]!;
  }

  private async inviteByToken(
    db: Pick<Pool, 'query'> | PoolClient,
    token: string,
    options: { lock?: boolean } = {},
  ): Promise<InviteRow | undefined> {
    const { rows } = await db.query<InviteRow>(
      `SELECT ${inviteColumns} FROM team_invites i JOIN teams t ON t.id = i.team_id
       LEFT JOIN users ib ON ib.id = i.invited_by
       WHERE i.token_hash = $1 ${options.lock ? 'FOR UPDATE OF i' : ''}`,
      [hashToken(token.trim())],
    );
    return rows[0];
  }

  private async record(
    actor: Actor,
    action: AuditAction,
    teamId: string | undefined,
    fields: Pick<AuditEntry, 'targetType' | 'targetId'> & Record<string, unknown>,
  ): Promise<void> {
    const { targetType, targetId, ...details } = fields;
    await this.audit?.({
      action,
      actorId: actor.userId,
      targetType,
      targetId,
      teamId,
      details,
      origin: actor.origin,
    });
  }

  private async read<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translatePostgresError(error);
    }
  }

  private transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}

/** SHA-256 of an invite token, in hex: the only form in which it is stored. */
function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Return the invite when `email` may redeem it at `now`; reject with the reason otherwise. */
function usableInvite(invite: InviteRow | undefined, email: string, now: number): InviteRow {
  if (invite === undefined) {
    throw new Mem0Error(
      'forbidden',
      'This invite token is not valid. Ask a team admin for a new invite.',
    );
  }
  if (invite.accepted_at !== null) {
    throw new Mem0Error(
      'forbidden',
      'This invite was already used. Ask a team admin for a new invite.',
    );
  }
  if (invite.revoked_at !== null) {
    throw new Mem0Error('forbidden', 'This invite was revoked. Ask a team admin for a new invite.');
  }
  if (Date.parse(invite.expires_at) <= now) {
    throw new Mem0Error(
      'forbidden',
      `This invite expired at ${invite.expires_at}. Ask a team admin for a new invite.`,
    );
  }
  if (invite.email !== email.trim().toLowerCase()) {
    throw new Mem0Error(
      'forbidden',
      `This invite is for ${invite.email}, not for ${email}. Use that account, or ask for an invite for yours.`,
    );
  }
  return invite;
}

function requireRole(membership: Membership, roles: TeamRole[], message: string): void {
  if (!roles.includes(membership.role)) {
    throw new Mem0Error('forbidden', message);
  }
}

function unknownTeam(name: string): Mem0Error {
  return notFound(
    `No team named "${name}" that you belong to. List your teams to see their names.`,
  );
}

function granteeText(grantee: Grantee): string {
  return grantee.type === 'user' ? grantee.email : `team ${grantee.name}`;
}

function toMember(row: MemberRow): TeamMember {
  return {
    userId: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    joinedAt: row.joined_at,
  };
}

function toInvite(row: InviteRow): TeamInvite {
  return {
    id: row.id,
    team: row.team,
    email: row.email,
    role: row.role,
    invitedBy: row.invited_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    acceptedAt: row.accepted_at,
    revokedAt: row.revoked_at,
  };
}

function toShare(row: ShareRow): Share {
  return {
    id: row.id,
    context: row.context,
    grantee: { type: row.grantee_type, name: row.grantee_name },
    permission: row.permission,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

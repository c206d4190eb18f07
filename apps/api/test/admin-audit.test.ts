import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import request from 'supertest';

import type { AuditEvent } from '@memzero/core';
import { PostgresAdministration } from '@memzero/db/postgres';

import {
  bearerHeader,
  createTemporaryDatabase,
  registerUser,
  startTeamServer,
  testPassword,
  type RegisteredUser,
  type TeamServer,
  type TemporaryDatabase,
} from './team-server';

let temporary: TemporaryDatabase;
let server: TeamServer;
let admin: RegisteredUser;
let ben: RegisteredUser;
/** Every secret the tests handle, none of which may appear in the audit log. */
const secrets: string[] = [testPassword, 'wrong password here'];

async function auditEvents(query: Record<string, string> = {}): Promise<AuditEvent[]> {
  const response = await request(server.url)
    .get('/v1/admin/audit')
    .query({ limit: '500', ...query })
    .set(bearerHeader(admin.accessToken));
  expect(response.status).toBe(200);
  return (response.body as { items: AuditEvent[] }).items;
}

beforeAll(async () => {
  temporary = await createTemporaryDatabase();
  server = await startTeamServer(temporary.url);
  admin = await registerUser(server.url, 'admin@example.com');
  ben = await registerUser(server.url, 'ben@example.com');
  secrets.push(admin.accessToken, admin.refreshToken, ben.accessToken, ben.refreshToken);
});

afterAll(async () => {
  await server.close();
  await temporary.drop();
});

describe('instance administration', () => {
  it('answers 403 to a user who is not an admin', async () => {
    const client = request(server.url);
    const attempts = [
      client.get('/v1/admin/users'),
      client.post(`/v1/admin/users/${admin.user.id}/disable`),
      client.post(`/v1/admin/users/${admin.user.id}/enable`),
      client.get('/v1/admin/registration'),
      client.put('/v1/admin/registration').send({ policy: 'open' }),
      client.get('/v1/admin/audit'),
      client.put(`/v1/admin/users/${ben.user.id}/admin`),
      client.delete(`/v1/admin/users/${admin.user.id}/admin`),
    ];
    for (const attempt of attempts) {
      const response = await attempt.set(bearerHeader(ben.accessToken));
      expect([response.status, (response.body as { code: string }).code]).toEqual([
        403,
        'forbidden',
      ]);
    }
  });

  it('lists the users in the order they registered', async () => {
    const response = await request(server.url)
      .get('/v1/admin/users')
      .set(bearerHeader(admin.accessToken));

    expect(response.status).toBe(200);
    const users = (response.body as { items: Record<string, unknown>[] }).items;
    expect(users.map((user) => [user.email, user.isAdmin, user.disabledAt])).toEqual([
      ['admin@example.com', true, null],
      ['ben@example.com', false, null],
    ]);
    expect(JSON.stringify(response.body)).not.toContain('scrypt');
    expect(users[0]).not.toHaveProperty('passwordHash');
  });

  it('stops a disabled user at once, and lets them back in when enabled', async () => {
    const key = await request(server.url)
      .post('/v1/api-keys')
      .set(bearerHeader(ben.accessToken))
      .send({ name: 'laptop', scope: 'write' });
    expect(key.status).toBe(201);
    const benKey = (key.body as { key: string }).key;
    secrets.push(benKey);

    const disabled = await request(server.url)
      .post(`/v1/admin/users/${ben.user.id}/disable`)
      .set(bearerHeader(admin.accessToken))
      .set('User-Agent', 'admin-console/1.0');
    expect(disabled.status).toBe(200);
    expect((disabled.body as { disabledAt: string | null }).disabledAt).not.toBeNull();

    for (const credential of [ben.accessToken, benKey]) {
      const denied = await request(server.url).get('/v1/memories').set(bearerHeader(credential));
      expect(denied.status).toBe(401);
    }
    const login = await request(server.url)
      .post('/v1/auth/login')
      .send({ email: 'ben@example.com', password: testPassword });
    expect(login.status).toBe(401);
    const mcp = new Client({ name: 'admin-test', version: '1' });
    await expect(
      mcp.connect(
        new StreamableHTTPClientTransport(new URL('/mcp', server.url), {
          requestInit: { headers: bearerHeader(benKey) },
        }),
      ),
    ).rejects.toThrow(/401/);

    const enabled = await request(server.url)
      .post(`/v1/admin/users/${ben.user.id}/enable`)
      .set(bearerHeader(admin.accessToken));
    expect((enabled.body as { disabledAt: string | null }).disabledAt).toBeNull();
    const allowed = await request(server.url).get('/v1/memories').set(bearerHeader(benKey));
    expect(allowed.status).toBe(200);
  });

  it('refuses to disable the caller or an unknown user', async () => {
    const self = await request(server.url)
      .post(`/v1/admin/users/${admin.user.id}/disable`)
      .set(bearerHeader(admin.accessToken));
    expect(self.status).toBe(409);

    const unknown = await request(server.url)
      .post('/v1/admin/users/01NOSUCHUSER0000000000000/disable')
      .set(bearerHeader(admin.accessToken));
    expect(unknown.status).toBe(404);
  });

  it('keeps a session that refreshed while disabled', async () => {
    const login = await request(server.url)
      .post('/v1/auth/login')
      .send({ email: 'ben@example.com', password: testPassword });
    const session = login.body as { refreshToken: string };
    secrets.push(session.refreshToken);
    const disable = () =>
      request(server.url)
        .post(`/v1/admin/users/${ben.user.id.toLowerCase()}/disable`)
        .set(bearerHeader(admin.accessToken));

    const first = await disable();
    const again = await disable();
    expect((again.body as { disabledAt: string }).disabledAt).toBe(
      (first.body as { disabledAt: string }).disabledAt,
    );
    const rejected = await request(server.url)
      .post('/v1/auth/refresh')
      .send({ refreshToken: session.refreshToken });
    expect((rejected.body as { detail: string }).detail).toContain('disabled');

    await request(server.url)
      .post(`/v1/admin/users/${ben.user.id}/enable`)
      .set(bearerHeader(admin.accessToken))
      .expect(200);
    const refreshed = await request(server.url)
      .post('/v1/auth/refresh')
      .send({ refreshToken: session.refreshToken });
    expect(refreshed.status).toBe(200);
    secrets.push((refreshed.body as { refreshToken: string }).refreshToken);
  });

  it('never leaves the server without an active admin', async () => {
    // A second admin, made in SQL; two admins then disable each other at once.
    await server.database.pool.query('UPDATE users SET is_admin = true WHERE id = $1', [
      ben.user.id,
    ]);
    const benLogin = await request(server.url)
      .post('/v1/auth/login')
      .send({ email: 'ben@example.com', password: testPassword });
    const benToken = (benLogin.body as { accessToken: string }).accessToken;
    secrets.push(benToken, (benLogin.body as { refreshToken: string }).refreshToken);

    const [adminDisablesBen, benDisablesAdmin] = await Promise.all([
      request(server.url)
        .post(`/v1/admin/users/${ben.user.id}/disable`)
        .set(bearerHeader(admin.accessToken)),
      request(server.url)
        .post(`/v1/admin/users/${admin.user.id}/disable`)
        .set(bearerHeader(benToken)),
    ]);
    const { rows } = await server.database.pool.query<{ active: number }>(
      'SELECT count(*)::int AS active FROM users WHERE is_admin AND disabled_at IS NULL',
    );
    expect(rows[0]!.active).toBe(1);
    expect([benDisablesAdmin.status, adminDisablesBen.status].sort()).toEqual([
      200,
      expect.any(Number) as number,
    ]);

    await server.database.pool.query('UPDATE users SET is_admin = (id = $1), disabled_at = NULL', [
      admin.user.id,
    ]);
  });

  it('grants and revokes the admin role, keeping one admin', async () => {
    const granted = await request(server.url)
      .put(`/v1/admin/users/${ben.user.id}/admin`)
      .set(bearerHeader(admin.accessToken));
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ id: ben.user.id, isAdmin: true });

    const benLogin = await request(server.url)
      .post('/v1/auth/login')
      .send({ email: 'ben@example.com', password: testPassword });
    const benToken = (benLogin.body as { accessToken: string }).accessToken;
    secrets.push(benToken, (benLogin.body as { refreshToken: string }).refreshToken);
    const listed = await request(server.url).get('/v1/admin/users').set(bearerHeader(benToken));
    expect(listed.status).toBe(200);

    const revoked = await request(server.url)
      .delete(`/v1/admin/users/${ben.user.id}/admin`)
      .set(bearerHeader(benToken));
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: ben.user.id, isAdmin: false });

    const last = await request(server.url)
      .delete(`/v1/admin/users/${admin.user.id}/admin`)
      .set(bearerHeader(admin.accessToken));
    expect(last.status).toBe(409);
    expect((last.body as { detail: string }).detail).toMatch(/last active administrator/);

    const unknown = await request(server.url)
      .put('/v1/admin/users/01M9000000000000000000000Z/admin')
      .set(bearerHeader(admin.accessToken));
    expect(unknown.status).toBe(404);

    const events = await auditEvents();
    const grant = events.find((event) => event.action === 'admin.admin_grant');
    const revoke = events.find((event) => event.action === 'admin.admin_revoke');
    expect(grant).toMatchObject({ actorId: admin.user.id, targetId: ben.user.id });
    expect(revoke).toMatchObject({ actorId: ben.user.id, targetId: ben.user.id });
  });

  it('changes the registration policy at run time, for every instance', async () => {
    const before = await request(server.url)
      .get('/v1/admin/registration')
      .set(bearerHeader(admin.accessToken));
    expect(before.body).toEqual({ policy: 'open', source: 'environment' });

    const closed = await request(server.url)
      .put('/v1/admin/registration')
      .set(bearerHeader(admin.accessToken))
      .send({ policy: 'closed' });
    expect(closed.body).toEqual({ policy: 'closed', source: 'administrator' });

    // A second server on the same database, as behind a load balancer, follows the setting.
    const second = await startTeamServer(temporary.url);
    try {
      const rejected = await request(second.url)
        .post('/v1/auth/register')
        .send({ email: 'cy@example.com', password: testPassword });
      expect(rejected.status).toBe(403);
      expect((rejected.body as { detail: string }).detail).toContain(
        '(set by an administrator). Ask a team admin for an invite, or an administrator to open it',
      );
    } finally {
      await second.close();
    }

    const invalid = await request(server.url)
      .put('/v1/admin/registration')
      .set(bearerHeader(admin.accessToken))
      .send({ policy: 'everyone' });
    expect(invalid.status).toBe(422);

    await request(server.url)
      .put('/v1/admin/registration')
      .set(bearerHeader(admin.accessToken))
      .send({ policy: 'open' });
    const cy = await registerUser(server.url, 'cy@example.com');
    secrets.push(cy.accessToken, cy.refreshToken);

    const reset = await request(server.url)
      .delete('/v1/admin/registration')
      .set(bearerHeader(admin.accessToken));
    expect(reset.body).toEqual({ policy: 'open', source: 'environment' });
  });
});

describe('audit log', () => {
  it('records each security-relevant action with actor, target, time and origin', async () => {
    const failed = await request(server.url)
      .post('/v1/auth/login')
      .set('User-Agent', 'curl/8.0')
      .send({ email: 'admin@example.com', password: 'wrong password here' });
    expect(failed.status).toBe(401);

    const login = await request(server.url)
      .post('/v1/auth/login')
      .send({ email: 'admin@example.com', password: testPassword });
    const session = login.body as { refreshToken: string; accessToken: string };
    secrets.push(session.refreshToken, session.accessToken);
    const refreshed = await request(server.url)
      .post('/v1/auth/refresh')
      .send({ refreshToken: session.refreshToken });
    secrets.push((refreshed.body as { refreshToken: string }).refreshToken);
    // Presenting the used token again, after no grace window, revokes the session as reused.
    const reused = await request(server.url)
      .post('/v1/auth/refresh')
      .send({ refreshToken: session.refreshToken });
    expect(reused.status).toBe(401);

    const loggedIn = await request(server.url)
      .post('/v1/auth/login')
      .send({ email: 'ben@example.com', password: testPassword });
    const benSession = loggedIn.body as { refreshToken: string; accessToken: string };
    secrets.push(benSession.refreshToken, benSession.accessToken);
    await request(server.url)
      .post('/v1/auth/logout')
      .send({ refreshToken: benSession.refreshToken })
      .expect(204);

    const key = await request(server.url)
      .post('/v1/api-keys')
      .set(bearerHeader(admin.accessToken))
      .send({ name: 'ci', scope: 'write' });
    const created = key.body as { id: string; key: string };
    secrets.push(created.key);
    await request(server.url)
      .delete(`/v1/api-keys/${created.id}`)
      .set(bearerHeader(admin.accessToken))
      .expect(204);

    const memory = await request(server.url)
      .post('/v1/memories')
      .set(bearerHeader(admin.accessToken))
      .send({ content: 'to be deleted', context: 'scratch' });
    const memoryId = (memory.body as { id: string }).id;
    await request(server.url)
      .delete(`/v1/memories/${memoryId}`)
      .set(bearerHeader(admin.accessToken))
      .expect(204);

    const events = await auditEvents();
    const find = (action: string, predicate: (event: AuditEvent) => boolean = () => true) => {
      const event = events.find((candidate) => candidate.action === action && predicate(candidate));
      expect([action, event === undefined]).toEqual([action, false]);
      return event!;
    };

    expect(find('auth.register', (event) => event.actorId === ben.user.id).targetId).toBe(
      ben.user.id,
    );
    const failure = find('auth.login_failed', (event) => event.userAgent === 'curl/8.0');
    expect([failure.actorId, failure.targetId]).toEqual([null, admin.user.id]);
    expect(failure.details).toEqual({
      email: 'admin@example.com',
      reason: 'wrong email or password',
    });
    expect(failure.ip).toMatch(/127\.0\.0\.1/);
    expect(find('auth.login', (event) => event.actorId === admin.user.id).targetType).toBe(
      'session',
    );
    const reuse = find('auth.refresh_reused');
    expect([reuse.actorId, reuse.details.userId]).toEqual([null, admin.user.id]);
    expect(find('auth.logout').actorId).toBe(ben.user.id);
    expect(find('api_key.create', (event) => event.targetId === created.id).details).toMatchObject({
      name: 'ci',
      scope: 'write',
    });
    expect(find('api_key.revoke', (event) => event.targetId === created.id).actorId).toBe(
      admin.user.id,
    );
    expect(find('memory.delete').targetId).toBe(memoryId);
    const disable = find('admin.user_disable', (event) => event.userAgent === 'admin-console/1.0');
    expect([disable.actorId, disable.targetId, disable.userAgent]).toEqual([
      admin.user.id,
      ben.user.id,
      'admin-console/1.0',
    ]);
    expect(find('admin.user_enable').targetId).toBe(ben.user.id);
    expect(
      find('admin.registration_change', (event) => event.details.to === 'closed').details,
    ).toEqual({ from: 'open', to: 'closed' });
    for (const event of events) {
      expect(Date.parse(event.occurredAt)).toBeGreaterThan(Date.now() - 600_000);
    }
  });

  it('records deletions made through MCP tools', async () => {
    const mcp = new Client({ name: 'audit-test', version: '1' });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', server.url), {
        requestInit: { headers: bearerHeader(admin.accessToken) },
      }),
    );
    try {
      const added = await mcp.callTool({ name: 'add_memory', arguments: { content: 'via mcp' } });
      const id = (added.structuredContent as { memory: { id: string } }).memory.id;
      await mcp.callTool({ name: 'delete_memory', arguments: { id } });

      const deletions = await auditEvents({ action: 'memory.delete' });
      expect(deletions.map((event) => event.targetId)).toContain(id);
    } finally {
      await mcp.close();
    }
  });

  it('holds no secret', async () => {
    const all = JSON.stringify(await auditEvents());
    for (const secret of secrets) {
      expect(all.includes(secret)).toBe(false);
    }
    // Key prefixes identify keys in lists and are no secret; tokens and whole keys never appear.
    expect(all).not.toMatch(/eyJ|m0r_|m0k_[A-Za-z0-9_-]{20}/);
  });

  it('filters by actor, action and time, and pages', async () => {
    const byEmail = await auditEvents({ actor: 'ben@example.com' });
    expect(byEmail.length).toBeGreaterThan(0);
    expect(new Set(byEmail.map((event) => event.actorId))).toEqual(new Set([ben.user.id]));

    const logins = await auditEvents({ action: 'auth.login' });
    expect(new Set(logins.map((event) => event.action))).toEqual(new Set(['auth.login']));

    const future = await auditEvents({ since: new Date(Date.now() + 60_000).toISOString() });
    expect(future).toEqual([]);

    const everything = await auditEvents();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await request(server.url)
        .get('/v1/admin/audit')
        .query({ limit: '3', ...(cursor ? { cursor } : {}) })
        .set(bearerHeader(admin.accessToken));
      const body = page.body as { items: AuditEvent[]; nextCursor: string | null };
      seen.push(...body.items.map((event) => event.id));
      cursor = body.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(everything.map((event) => event.id));

    const lowerCaseId = await auditEvents({ actor: ben.user.id.toLowerCase() });
    expect(lowerCaseId.map((event) => event.id)).toEqual(byEmail.map((event) => event.id));

    for (const [query, status] of [
      [{ actor: 'nobody@example.com' }, 404],
      [{ since: '2026-12-02T00:00:00Z', until: '2026-12-01T00:00:00Z' }, 400],
      [{ limit: 'abc' }, 400],
      [{ limit: '100000' }, 400],
      ['limit=1&limit=2', 400],
    ] as const) {
      const response = await request(server.url)
        .get('/v1/admin/audit')
        .query(query)
        .set(bearerHeader(admin.accessToken));
      expect([JSON.stringify(query), response.status]).toEqual([JSON.stringify(query), status]);
    }

    const badAction = await request(server.url)
      .get('/v1/admin/audit')
      .query({ action: 'drop_tables' })
      .set(bearerHeader(admin.accessToken));
    expect(badAction.status).toBe(400);
    const badCursor = await request(server.url)
      .get('/v1/admin/audit')
      .query({ cursor: 'not-a-cursor' })
      .set(bearerHeader(admin.accessToken));
    expect(badCursor.status).toBe(400);
  });

  it('prunes events older than the retention period', async () => {
    const administration = new PostgresAdministration(server.database.pool);
    await server.database.pool.query(
      `UPDATE audit_events SET occurred_at = now() - interval '400 days'
       WHERE action = 'auth.login_failed'`,
    );

    const deleted = await administration.pruneAudit(
      new Date(Date.now() - 365 * 86_400_000).toISOString(),
    );

    expect(deleted).toBeGreaterThan(0);
    expect(await auditEvents({ action: 'auth.login_failed' })).toEqual([]);
    expect((await auditEvents({ action: 'auth.login' })).length).toBeGreaterThan(0);
  });
});

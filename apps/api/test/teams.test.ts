import request from 'supertest';

import type { AuditEvent } from '@memzero/core';

import { defaultRateLimitSettings } from '../src/rate-limit.js';
import { expectProblem, sleep } from './helpers.js';
import {
  bearerHeader,
  createTemporaryDatabase,
  registerUser,
  startTeamServer,
  testPassword,
  type RegisteredUser,
  type TeamServer,
  type TemporaryDatabase,
} from './team-server.js';

interface MemberJson {
  userId: string;
  email: string;
  role: string;
}

let temporary: TemporaryDatabase;
let server: TeamServer;
let admin: RegisteredUser;
let olga: RegisteredUser;
let otto: RegisteredUser;
let adam: RegisteredUser;
let mia: RegisteredUser;
let nick: RegisteredUser;
/** Every password, token and key the tests handle; none may appear in the audit log. */
const secrets: string[] = [testPassword];

function as(user: RegisteredUser): Record<string, string> {
  return bearerHeader(user.accessToken);
}

async function createTeam(owner: RegisteredUser, name: string): Promise<void> {
  const response = await request(server.url).post('/v1/teams').set(as(owner)).send({ name });
  expect(response.status).toBe(201);
}

/** Invite `email` to `team` as `inviter` and return the invite's id and token. */
async function invite(
  inviter: RegisteredUser,
  team: string,
  email: string,
  role = 'member',
): Promise<{ id: string; token: string }> {
  const response = await request(server.url)
    .post(`/v1/teams/${team}/invites`)
    .set(as(inviter))
    .send({ email, role });
  expect(response.status).toBe(201);
  const created = response.body as { id: string; token: string };
  secrets.push(created.token);
  return created;
}

function acceptInvite(user: RegisteredUser, token: string) {
  return request(server.url).post('/v1/invites/accept').set(as(user)).send({ token });
}

/** Invite `user` to `team` with `role` and redeem the invite as that user. */
async function join(team: string, user: RegisteredUser, role: string): Promise<void> {
  const { token } = await invite(olga, team, user.user.email, role);
  expect((await acceptInvite(user, token)).status).toBe(200);
}

function changeRole(actor: RegisteredUser, team: string, member: string, role: string) {
  return request(server.url)
    .patch(`/v1/teams/${team}/members/${member}`)
    .set(as(actor))
    .send({ role });
}

function removeMember(actor: RegisteredUser, team: string, member: string) {
  return request(server.url).delete(`/v1/teams/${team}/members/${member}`).set(as(actor));
}

async function members(team: string): Promise<MemberJson[]> {
  const response = await request(server.url).get(`/v1/teams/${team}/members`).set(as(olga));
  expect(response.status).toBe(200);
  return (response.body as { items: MemberJson[] }).items;
}

async function roleOf(team: string, email: string): Promise<string | undefined> {
  return (await members(team)).find((member) => member.email === email)?.role;
}

async function addMemory(user: RegisteredUser, content: string, context: string): Promise<string> {
  const response = await request(server.url)
    .post('/v1/memories')
    .set(as(user))
    .send({ content, context });
  expect(response.status).toBe(201);
  return (response.body as { id: string }).id;
}

async function register(email: string): Promise<RegisteredUser> {
  const user = await registerUser(server.url, email);
  secrets.push(user.accessToken, user.refreshToken);
  return user;
}

beforeAll(async () => {
  temporary = await createTemporaryDatabase();
  server = await startTeamServer(temporary.url, {
    app: {
      rateLimit: {
        ...defaultRateLimitSettings,
        credentials: { windowMs: 60_000, perIp: 1_000, perAccount: 100 },
      },
    },
  });
  // The first account is the server's administrator.
  admin = await register('admin@example.com');
  olga = await register('olga@example.com');
  otto = await register('otto@example.com');
  adam = await register('adam@example.com');
  mia = await register('mia@example.com');
  nick = await register('nick@example.com');
});

afterAll(async () => {
  await server.close();
  await temporary.drop();
});

describe('team lifecycle', () => {
  it('creates a team with its creator as owner', async () => {
    const response = await request(server.url)
      .post('/v1/teams')
      .set(as(olga))
      .send({ name: 'Acme' });

    expect(response.status).toBe(201);
    expect(response.headers.location).toBe('/v1/teams/acme');
    expect(response.body).toMatchObject({ name: 'acme', role: 'owner', memberCount: 1 });
    const listed = await request(server.url).get('/v1/teams').set(as(olga));
    expect((listed.body as { items: { name: string }[] }).items.map((team) => team.name)).toEqual([
      'acme',
    ]);
  });

  it('rejects a duplicate team name', async () => {
    const response = await request(server.url)
      .post('/v1/teams')
      .set(as(nick))
      .send({ name: 'acme' });

    expectProblem(response, 409, 'conflict');
  });

  it('lets only an owner rename a team', async () => {
    await createTeam(olga, 'rocket');
    await join('rocket', adam, 'admin');
    const memoryId = await addMemory(olga, 'Fuel order placed', 'rocket/notes');
    const rename = (user: RegisteredUser, name: string) =>
      request(server.url).patch('/v1/teams/rocket').set(as(user)).send({ name });

    expectProblem(await rename(adam, 'rocketry'), 403, 'forbidden');
    expectProblem(await rename(nick, 'rocketry'), 404, 'not_found');
    expectProblem(await rename(olga, 'acme'), 409, 'conflict');

    const renamed = await rename(olga, 'rocketry');
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'rocketry', role: 'owner' });
    const memory = await request(server.url).get(`/v1/memories/${memoryId}`).set(as(olga));
    expect((memory.body as { context: string }).context).toBe('rocketry/notes');
    expectProblem(
      await request(server.url).get('/v1/teams/rocket').set(as(olga)),
      404,
      'not_found',
    );
  });

  it('returns 404 to non-members on team routes', async () => {
    const client = request(server.url);
    const attempts = [
      client.get('/v1/teams/acme'),
      client.get('/v1/teams/acme/members'),
      client.get('/v1/teams/acme/invites'),
      client.post('/v1/teams/acme/invites').send({ email: 'nick@example.com' }),
      client.delete('/v1/teams/acme'),
      client.get('/v1/teams/acme/audit'),
    ];
    for (const attempt of attempts) {
      expectProblem(await attempt.set(as(nick)), 404, 'not_found');
    }
  });

  it('deletes a team with memories only when confirmed', async () => {
    await createTeam(olga, 'temp');
    await join('temp', adam, 'admin');
    const memoryId = await addMemory(olga, 'Scratch note for the temp team', 'temp/scratch');

    expectProblem(
      await request(server.url).delete('/v1/teams/temp').set(as(adam)),
      403,
      'forbidden',
    );
    const rejected = await request(server.url).delete('/v1/teams/temp').set(as(olga));
    expect(expectProblem(rejected, 409, 'conflict').memories).toBe(1);

    const deleted = await request(server.url)
      .delete('/v1/teams/temp')
      .query({ deleteMemories: 'true' })
      .set(as(olga));
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deletedMemories: 1 });

    expectProblem(
      await request(server.url).get(`/v1/memories/${memoryId}`).set(as(olga)),
      404,
      'not_found',
    );
    expectProblem(await request(server.url).get('/v1/teams/temp').set(as(adam)), 404, 'not_found');
    const contexts = await request(server.url).get('/v1/contexts').set(as(olga));
    const names = (contexts.body as { items: { name: string }[] }).items.map((item) => item.name);
    expect(names).not.toContain('temp/scratch');
  });

  it('deletes an empty team without the flag', async () => {
    await createTeam(olga, 'empty');

    const deleted = await request(server.url).delete('/v1/teams/empty').set(as(olga));

    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deletedMemories: 0 });
  });
});

describe('roles', () => {
  beforeAll(async () => {
    await createTeam(olga, 'roles');
    await join('roles', adam, 'admin');
    await join('roles', mia, 'member');
    await join('roles', otto, 'member');
  });

  it('limits admins to member and admin roles', async () => {
    expectProblem(await changeRole(adam, 'roles', mia.user.email, 'owner'), 403, 'forbidden');
    expectProblem(await changeRole(adam, 'roles', olga.user.email, 'member'), 403, 'forbidden');
    expectProblem(await removeMember(adam, 'roles', olga.user.email), 403, 'forbidden');

    const promoted = await changeRole(adam, 'roles', mia.user.email, 'admin');
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ email: 'mia@example.com', role: 'admin' });
    const demoted = await changeRole(adam, 'roles', mia.user.id, 'member');
    expect((demoted.body as MemberJson).role).toBe('member');
    expect(await roleOf('roles', 'olga@example.com')).toBe('owner');
  });

  it('lets a member change no role and remove nobody else', async () => {
    expectProblem(await changeRole(mia, 'roles', otto.user.email, 'admin'), 403, 'forbidden');
    expectProblem(await removeMember(mia, 'roles', otto.user.email), 403, 'forbidden');
  });

  it('keeps the last owner from demoting or removing themselves', async () => {
    expectProblem(await changeRole(olga, 'roles', olga.user.email, 'admin'), 409, 'conflict');
    expectProblem(await removeMember(olga, 'roles', olga.user.email), 409, 'conflict');
    expectProblem(await removeMember(olga, 'roles', olga.user.id), 409, 'conflict');

    expect(await roleOf('roles', 'olga@example.com')).toBe('owner');
  });

  it('keeps one owner under concurrent demotion', async () => {
    for (let round = 0; round < 3; round++) {
      expect((await changeRole(olga, 'roles', otto.user.email, 'owner')).status).toBe(200);

      const [olgaDemotesOtto, ottoDemotesOlga] = await Promise.all([
        changeRole(olga, 'roles', otto.user.email, 'member'),
        changeRole(otto, 'roles', olga.user.email, 'member'),
      ]);

      // The request that waited for the lock finds its caller no longer an owner, so it gets 403
      // (a member may not change roles) or 409 (the last owner keeps the role).
      const statuses = [olgaDemotesOtto.status, ottoDemotesOlga.status].sort();
      expect(statuses[0]).toBe(200);
      expect([403, 409]).toContain(statuses[1]);
      const owners = (await members('roles')).filter((member) => member.role === 'owner');
      expect(owners).toHaveLength(1);
      // Give Olga the role back for the next round and the later tests.
      if (owners[0]!.email !== 'olga@example.com') {
        expect((await changeRole(otto, 'roles', olga.user.email, 'owner')).status).toBe(200);
        expect((await changeRole(olga, 'roles', otto.user.email, 'member')).status).toBe(200);
      }
    }
    expect(await roleOf('roles', 'otto@example.com')).toBe('member');
  });

  it('lets a second owner leave', async () => {
    expect((await changeRole(olga, 'roles', otto.user.email, 'owner')).status).toBe(200);

    expect((await removeMember(otto, 'roles', otto.user.email)).status).toBe(204);

    expect(await roleOf('roles', 'otto@example.com')).toBeUndefined();
    expectProblem(await removeMember(olga, 'roles', olga.user.email), 409, 'conflict');
  });

  it('removes members and lets members leave', async () => {
    await join('roles', otto, 'member');

    expect((await removeMember(adam, 'roles', otto.user.email)).status).toBe(204);
    expect((await removeMember(mia, 'roles', mia.user.email)).status).toBe(204);
    expect((await removeMember(olga, 'roles', adam.user.email)).status).toBe(204);

    expect((await members('roles')).map((member) => member.email)).toEqual(['olga@example.com']);
    expectProblem(await request(server.url).get('/v1/teams/roles').set(as(mia)), 404, 'not_found');
  });
});

describe('invites', () => {
  beforeAll(async () => {
    await createTeam(olga, 'guild');
    await join('guild', adam, 'admin');
    await join('guild', mia, 'member');
  });

  it('lets owners and admins invite, not members', async () => {
    const byMember = await request(server.url)
      .post('/v1/teams/guild/invites')
      .set(as(mia))
      .send({ email: 'nick@example.com' });
    expectProblem(byMember, 403, 'forbidden');

    const ownerByAdmin = await request(server.url)
      .post('/v1/teams/guild/invites')
      .set(as(adam))
      .send({ email: 'nick@example.com', role: 'owner' });
    expectProblem(ownerByAdmin, 403, 'forbidden');

    const byAdmin = await invite(adam, 'guild', 'nick@example.com');
    expect(byAdmin.token).toMatch(/^mem0_inv_/);
    const listed = await request(server.url).get('/v1/teams/guild/invites').set(as(mia));
    expectProblem(listed, 403, 'forbidden');
  });

  it('rejects an invite redeemed by another email', async () => {
    const { token } = await invite(olga, 'guild', 'ivy@example.com');

    const response = await acceptInvite(nick, token);

    expect(expectProblem(response, 403, 'forbidden').detail).toContain('ivy@example.com');
    expect(await roleOf('guild', 'nick@example.com')).toBeUndefined();
  });

  it('accepts an invite only once', async () => {
    const { token } = await invite(olga, 'guild', 'lou@example.com');
    const lou = await register('lou@example.com');

    const first = await acceptInvite(lou, token);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ name: 'guild', role: 'member' });

    const second = await acceptInvite(lou, token);
    expect(expectProblem(second, 403, 'forbidden').detail).toContain('already used');
    const revokeUsed = await request(server.url)
      .delete(
        `/v1/teams/guild/invites/${(await invites('guild')).find((item) => item.email === 'lou@example.com')!.id}`,
      )
      .set(as(olga));
    expectProblem(revokeUsed, 409, 'conflict');
  });

  it('rejects a revoked invite at registration', async () => {
    const { id, token } = await invite(olga, 'guild', 'jay@example.com');
    await request(server.url).delete(`/v1/teams/guild/invites/${id}`).set(as(olga)).expect(204);

    const registered = await request(server.url)
      .post('/v1/auth/register')
      .send({ email: 'jay@example.com', password: testPassword, inviteToken: token });

    expect(expectProblem(registered, 403, 'forbidden').detail).toContain('revoked');
    const login = await request(server.url)
      .post('/v1/auth/login')
      .send({ email: 'jay@example.com', password: testPassword });
    expectProblem(login, 401, 'unauthenticated');
  });

  it('rejects an expired invite', async () => {
    const expiresAt = new Date(Date.now() + 1_500).toISOString();
    const response = await request(server.url)
      .post('/v1/teams/guild/invites')
      .set(as(olga))
      .send({ email: 'nick@example.com', expiresAt });
    expect(response.status).toBe(201);
    const token = (response.body as { token: string }).token;
    secrets.push(token);

    await sleep(1_600);

    const accepted = await acceptInvite(nick, token);
    expect(expectProblem(accepted, 403, 'forbidden').detail).toContain('expired');
    expect(await roleOf('guild', 'nick@example.com')).toBeUndefined();
  });

  it('rejects an expiry in the past or beyond 30 days', async () => {
    for (const expiresAt of [
      new Date(Date.now() - 60_000).toISOString(),
      new Date(Date.now() + 31 * 24 * 3600 * 1000).toISOString(),
    ]) {
      const response = await request(server.url)
        .post('/v1/teams/guild/invites')
        .set(as(olga))
        .send({ email: 'nick@example.com', expiresAt });
      expectProblem(response, 400, 'invalid_argument');
    }
  });

  it('admits an invitee while registration is closed', async () => {
    const { token } = await invite(olga, 'guild', 'kim@example.com', 'admin');
    await request(server.url)
      .put('/v1/admin/registration')
      .set(as(admin))
      .send({ policy: 'closed' })
      .expect(200);
    try {
      const uninvited = await request(server.url)
        .post('/v1/auth/register')
        .send({ email: 'pat@example.com', password: testPassword });
      expectProblem(uninvited, 403, 'forbidden');

      const invited = await request(server.url)
        .post('/v1/auth/register')
        .send({ email: 'kim@example.com', password: testPassword, inviteToken: token });

      expect(invited.status).toBe(201);
      expect(invited.body).toMatchObject({ team: { name: 'guild', role: 'admin' } });
      secrets.push(
        (invited.body as { accessToken: string }).accessToken,
        (invited.body as { refreshToken: string }).refreshToken,
      );
      expect(await roleOf('guild', 'kim@example.com')).toBe('admin');
    } finally {
      await request(server.url).delete('/v1/admin/registration').set(as(admin)).expect(200);
    }
  });

  it('joins an existing account at login', async () => {
    const { token } = await invite(olga, 'guild', 'otto@example.com');

    const login = await request(server.url)
      .post('/v1/auth/login')
      .send({ email: 'otto@example.com', password: testPassword, inviteToken: token });

    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ team: { name: 'guild', role: 'member' } });
    secrets.push(
      (login.body as { accessToken: string }).accessToken,
      (login.body as { refreshToken: string }).refreshToken,
    );
    expect(await roleOf('guild', 'otto@example.com')).toBe('member');
  });
});

/** List the invites of `team` as its owner. */
async function invites(team: string): Promise<{ id: string; email: string }[]> {
  const response = await request(server.url).get(`/v1/teams/${team}/invites`).set(as(olga));
  expect(response.status).toBe(200);
  return (response.body as { items: { id: string; email: string }[] }).items;
}

describe('bad input', () => {
  it.each([
    ['spaces and punctuation', 'bad name!'],
    ['an empty name', ''],
    ['a leading dash', '-lead'],
    ['a slash', 'a/b'],
    ['an email', 'team@example.com'],
    ['too many characters', 'x'.repeat(200)],
    ['a number', 42],
  ])('rejects a team name with %s', async (_case, name) => {
    const response = await request(server.url).post('/v1/teams').set(as(olga)).send({ name });

    expectProblem(response, 422, 'validation_failed');
  });

  it('rejects a malformed team name in the path', async () => {
    const response = await request(server.url).get('/v1/teams/bad%20name').set(as(olga));

    expectProblem(response, 400, 'invalid_argument');
  });

  it.each(['/v1/teams/%E0%A4%A/members', '/v1/memories/%E0%A4%A'])(
    'rejects broken percent-encoding in %s',
    async (path) => {
      const response = await request(server.url).get(path).set(as(olga));

      expectProblem(response, 400, 'invalid_argument');
      expect((response.body as { detail: string }).detail).toMatch(/percent-encoding/);
    },
  );

  it('rejects unknown roles', async () => {
    const role = await changeRole(olga, 'acme', olga.user.email, 'superuser');
    expectProblem(role, 422, 'validation_failed');

    const invited = await request(server.url)
      .post('/v1/teams/acme/invites')
      .set(as(olga))
      .send({ email: 'nick@example.com', role: 'boss' });
    expectProblem(invited, 422, 'validation_failed');
  });

  it.each([
    ['/v1/teams', 'post', { name: 'colored', color: 'red' }],
    ['/v1/teams/acme', 'patch', { name: 'acme', color: 'red' }],
    ['/v1/teams/acme/invites', 'post', { email: 'nick@example.com', note: 'hi' }],
    ['/v1/invites/accept', 'post', { token: 'mem0_inv_x', team: 'acme' }],
    ['/v1/shares', 'post', { context: 'notes', user: 'nick@example.com', mode: 'read' }],
  ] as const)('rejects an unknown field in %s', async (path, method, body) => {
    const response = await request(server.url)[method](path).set(as(olga)).send(body);

    expect(expectProblem(response, 422, 'validation_failed').detail).toMatch(/unknown field "/);
  });

  describe('shares', () => {
    beforeAll(async () => {
      await addMemory(olga, 'Olga keeps her own notes here', 'notes');
      await addMemory(olga, 'Acme keeps its roadmap here', 'acme/roadmap');
    });

    function shareAsOlga(body: Record<string, unknown>) {
      return request(server.url).post('/v1/shares').set(as(olga)).send(body);
    }

    it('rejects a share to both a user and a team', async () => {
      const response = await shareAsOlga({
        context: 'notes',
        user: 'nick@example.com',
        team: 'guild',
      });

      expect(expectProblem(response, 422, 'validation_failed').detail).toContain('exactly one');
    });

    it('rejects a share to neither a user nor a team', async () => {
      expectProblem(await shareAsOlga({ context: 'notes' }), 422, 'validation_failed');
    });

    it('rejects an unknown permission', async () => {
      const response = await shareAsOlga({
        context: 'notes',
        user: 'nick@example.com',
        permission: 'admin',
      });

      expectProblem(response, 422, 'validation_failed');
    });

    it('returns 404 for unknown grantees and contexts', async () => {
      const user = await shareAsOlga({ context: 'notes', user: 'nobody@example.com' });
      expect(expectProblem(user, 404, 'not_found').detail).toContain('nobody@example.com');
      const team = await shareAsOlga({ context: 'notes', team: 'nosuchteam' });
      expect(expectProblem(team, 404, 'not_found').detail).toContain('nosuchteam');
      const context = await shareAsOlga({ context: 'missing', user: 'nick@example.com' });
      expectProblem(context, 404, 'not_found');
    });

    it('rejects sharing a context with its own owner', async () => {
      const own = await shareAsOlga({ context: 'notes', user: 'olga@example.com' });
      expect(expectProblem(own, 400, 'invalid_argument').detail).toContain('already belongs');
      const team = await shareAsOlga({ context: 'acme/roadmap', team: 'acme' });
      expectProblem(team, 400, 'invalid_argument');
    });
  });
});

describe('team audit log', () => {
  let teamId: string;
  let shareId: string;
  let apiKey: string;
  let deletedMemoryId: string;
  let revokedInviteId: string;

  async function teamAudit(user: RegisteredUser, team = 'globex') {
    return request(server.url).get(`/v1/teams/${team}/audit`).query({ limit: '500' }).set(as(user));
  }

  beforeAll(async () => {
    const created = await request(server.url)
      .post('/v1/teams')
      .set(as(olga))
      .send({ name: 'initech' });
    teamId = (created.body as { id: string }).id;
    await request(server.url)
      .patch('/v1/teams/initech')
      .set(as(olga))
      .send({ name: 'globex' })
      .expect(200);

    await join('globex', adam, 'admin');
    await join('globex', mia, 'member');
    await changeRole(olga, 'globex', mia.user.email, 'admin').expect(200);
    await removeMember(olga, 'globex', mia.user.email).expect(204);
    revokedInviteId = (await invite(olga, 'globex', 'nobody-yet@example.com')).id;
    await request(server.url)
      .delete(`/v1/teams/globex/invites/${revokedInviteId}`)
      .set(as(olga))
      .expect(204);

    // An API key acts for Olga in the team's context; it must not reach the log either.
    const key = await request(server.url)
      .post('/v1/api-keys')
      .set(as(olga))
      .send({ name: 'audit test', scope: 'write' });
    apiKey = (key.body as { key: string }).key;
    secrets.push(apiKey);
    deletedMemoryId = await addMemory(olga, 'Quarterly numbers draft', 'globex/finance');
    await request(server.url)
      .delete(`/v1/memories/${deletedMemoryId}`)
      .set(bearerHeader(apiKey))
      .expect(204);
  });

  it('records share changes', async () => {
    const created = await request(server.url)
      .post('/v1/shares')
      .set(as(olga))
      .send({ context: 'globex/finance', user: 'nick@example.com', permission: 'read' });
    expect(created.status).toBe(201);
    shareId = (created.body as { id: string }).id;

    const updated = await request(server.url)
      .post('/v1/shares')
      .set(as(olga))
      .send({ context: 'globex/finance', user: 'nick@example.com', permission: 'write' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      id: shareId,
      permission: 'write',
      created: false,
      changed: true,
    });

    const repeated = await request(server.url)
      .post('/v1/shares')
      .set(as(olga))
      .send({ context: 'globex/finance', user: 'nick@example.com', permission: 'write' });
    expect(repeated.status).toBe(200);
    expect(repeated.body).toMatchObject({ id: shareId, created: false, changed: false });

    const revoked = await request(server.url).delete(`/v1/shares/${shareId}`).set(as(olga));
    expect(revoked.status).toBe(204);
  });

  it('shows the team owner every team event', async () => {
    const response = await teamAudit(olga);

    expect(response.status).toBe(200);
    const events = (response.body as { items: AuditEvent[] }).items;
    const find = (action: string) => {
      const event = events.find((candidate) => candidate.action === action);
      expect([action, event === undefined]).toEqual([action, false]);
      return event!;
    };
    expect(find('team.create')).toMatchObject({ actorId: olga.user.id, targetId: teamId });
    expect(find('team.rename').details).toEqual({ from: 'initech', to: 'globex' });
    expect(find('team.invite').details).toMatchObject({ team: 'globex', role: 'member' });
    expect(find('team.join').actorId).toBeDefined();
    expect(find('team.member_role')).toMatchObject({
      targetId: mia.user.id,
      details: { from: 'member', to: 'admin' },
    });
    expect(find('team.member_remove').targetId).toBe(mia.user.id);
    expect(find('team.invite_revoke').targetId).toBe(revokedInviteId);
    expect(find('share.create')).toMatchObject({
      targetId: shareId,
      details: { context: 'globex/finance', grantee: 'nick@example.com', permission: 'read' },
    });
    expect(find('share.update').details).toMatchObject({ from: 'read', permission: 'write' });
    expect(find('share.revoke').targetId).toBe(shareId);
    expect(find('memory.delete')).toMatchObject({
      actorId: olga.user.id,
      targetId: deletedMemoryId,
      details: { context: 'globex/finance' },
    });
    // Only this team's events: none of another team, and no logins.
    expect(events.some((event) => event.action === 'auth.login')).toBe(false);
    expect(events.some((event) => event.details.team === 'guild')).toBe(false);
  });

  it('rejects team admins and members', async () => {
    expectProblem(await teamAudit(adam), 403, 'forbidden');
    await join('globex', nick, 'member');
    expectProblem(await teamAudit(nick), 403, 'forbidden');
  });

  it('records team deletion in the server log', async () => {
    await request(server.url)
      .delete('/v1/teams/globex')
      .query({ deleteMemories: 'true' })
      .set(as(olga))
      .expect(200);

    const response = await request(server.url)
      .get('/v1/admin/audit')
      .query({ action: 'team.delete', limit: '500' })
      .set(as(admin));
    const deletion = (response.body as { items: AuditEvent[] }).items.find(
      (event) => event.targetId === teamId,
    );
    expect(deletion).toMatchObject({
      actorId: olga.user.id,
      details: { name: 'globex', deletedMemories: 0 },
    });
  });

  it('contains no secret', async () => {
    const response = await request(server.url)
      .get('/v1/admin/audit')
      .query({ limit: '500' })
      .set(as(admin));
    const all = JSON.stringify(response.body);

    expect((response.body as { items: unknown[] }).items.length).toBeGreaterThan(20);
    for (const secret of secrets) {
      expect(all.includes(secret)).toBe(false);
    }
    expect(all).not.toMatch(/mem0_inv_|eyJ|m0r_|m0k_[A-Za-z0-9_-]{20}/);
  });
});

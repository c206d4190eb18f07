import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import request from 'supertest';

import { defaultRateLimitSettings } from '../src/rate-limit.js';
import { expectProblem } from './helpers.js';
import {
  bearerHeader,
  createTemporaryDatabase,
  registerUser,
  startTeamServer,
  type RegisteredUser,
  type TeamServer,
  type TemporaryDatabase,
} from './team-server.js';

/**
 * The permission matrix of one team context, `acme/plans`, on a real server and database. Each
 * row is a caller, each column an operation on that context or on a memory in it.
 */

type Caller =
  | 'team owner'
  | 'team admin'
  | 'team member'
  | 'non-member'
  | 'shared-read user'
  | 'shared-write user'
  | 'revoked share'
  | 'disabled user'
  | 'read-scoped key';

/** Whether an unfiltered list or export contains the fixture memory, or the status when it fails. */
type Listed = 'shown' | 'hidden' | 401;
/** The outcome of the MCP tool search_memories on `acme/plans`. */
type McpSearch = 'found' | 'not found' | 401;
/** The outcome of the MCP tool add_memory on `acme/plans`. */
type McpAdd = 'added' | 'read only' | 'not found' | 'read-only tools' | 401;
/** The permission GET /v1/contexts reports for `acme/plans`, or hidden when it is not listed. */
type Listing = 'manage' | 'write' | 'read' | 'hidden' | 401;

interface Expected {
  get: number;
  list: number;
  listAll: Listed;
  search: number;
  history: number;
  export: Listed;
  add: number;
  update: number;
  delete: number;
  share: number;
  mcpSearch: McpSearch;
  mcpAdd: McpAdd;
  contexts: Listing;
}

type Row = [
  Caller,
  number,
  number,
  Listed,
  number,
  number,
  Listed,
  number,
  number,
  number,
  number,
  McpSearch,
  McpAdd,
  Listing,
];

// Columns, each against acme/plans or the memory in it:
//   get      GET /v1/memories/:id
//   list     GET /v1/memories?context=acme/plans
//   all      GET /v1/memories without a filter (is the memory shown?)
//   search   POST /v1/search with context acme/plans
//   history  GET /v1/memories/:id/history
//   export   GET /v1/memories/export without a filter (is the memory shown?)
//   add, update, delete  POST, PATCH and DELETE /v1/memories (update and delete use fresh memories)
//   share    POST /v1/shares of acme/plans to another user
//   mcp search, mcp add  the tools search_memories and add_memory at POST /mcp
//   contexts the permission GET /v1/contexts reports
// prettier-ignore
const matrix: Row[] = [
  //                     get  list all       search history export    add  update delete share mcp search   mcp add            contexts
  ['team owner',         200, 200, 'shown',  200,   200,    'shown',  201, 200,   204,   201,  'found',     'added',           'manage'],
  ['team admin',         200, 200, 'shown',  200,   200,    'shown',  201, 200,   204,   201,  'found',     'added',           'manage'],
  ['team member',        200, 200, 'shown',  200,   200,    'shown',  201, 200,   204,   403,  'found',     'added',           'write'],
  ['non-member',         404, 404, 'hidden', 404,   404,    'hidden', 404, 404,   404,   404,  'not found', 'not found',       'hidden'],
  ['shared-read user',   200, 200, 'shown',  200,   200,    'shown',  403, 403,   403,   403,  'found',     'read only',       'read'],
  ['shared-write user',  200, 200, 'shown',  200,   200,    'shown',  201, 200,   204,   403,  'found',     'added',           'write'],
  ['revoked share',      404, 404, 'hidden', 404,   404,    'hidden', 404, 404,   404,   404,  'not found', 'not found',       'hidden'],
  ['disabled user',      401, 401, 401,      401,   401,    401,      401, 401,   401,   401,  401,         401,               401],
  // A read-scoped key gets permission read on every context, because it may not write anywhere.
  ['read-scoped key',    200, 200, 'shown',  200,   200,    'shown',  403, 403,   403,   403,  'found',     'read-only tools', 'read'  ],
];

const rows = matrix.map(
  ([
    caller,
    get,
    list,
    listAll,
    search,
    history,
    exported,
    add,
    update,
    remove,
    share,
    mcpSearch,
    mcpAdd,
    contexts,
  ]) => ({
    caller,
    expected: {
      get,
      list,
      listAll,
      search,
      history,
      export: exported,
      add,
      update,
      delete: remove,
      share,
      mcpSearch,
      mcpAdd,
      contexts,
    } satisfies Expected,
  }),
);

/** Return each caller with the outcome the matrix expects in column `key`. */
function column<K extends keyof Expected>(key: K): [Caller, Expected[K]][] {
  return rows.map((row) => [row.caller, row.expected[key]]);
}

const problemCodes: Record<number, string> = {
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
};

const context = 'acme/plans';
const fixtureContent = 'The launch plan ships in March';

let temporary: TemporaryDatabase;
let server: TeamServer;
let admin: RegisteredUser;
let olga: RegisteredUser;
let adam: RegisteredUser;
let mia: RegisteredUser;
let nick: RegisteredUser;
let uma: RegisteredUser;
/** The bearer token of each caller of the matrix. */
const tokens = {} as Record<Caller, string>;
/** The id of the memory in `acme/plans` that every read cell looks for. */
let fixtureId: string;
let memoryCount = 0;

function as(caller: Caller): Record<string, string> {
  return bearerHeader(tokens[caller]);
}

/** Check a response's status, and for an error its problem code. */
function expectStatus(
  response: { status: number; headers: Record<string, string>; body: unknown },
  status: number,
): void {
  if (status >= 400) {
    expectProblem(response, status, problemCodes[status]!);
  } else {
    expect(response.status).toBe(status);
  }
}

/** Add a memory to `contextName` with `token`, failing the test unless it is created. */
async function addMemory(token: string, content: string, contextName = context): Promise<string> {
  const response = await request(server.url)
    .post('/v1/memories')
    .set(bearerHeader(token))
    .send({ content, context: contextName });
  expect(response.status).toBe(201);
  return (response.body as { id: string }).id;
}

/** Add a memory to `acme/plans` for one cell that changes or deletes it, and return its id. */
function freshMemory(caller: Caller): Promise<string> {
  memoryCount += 1;
  return addMemory(tokens['team owner'], `Draft ${memoryCount} kept for ${caller}`);
}

function ownerGet(id: string) {
  return request(server.url).get(`/v1/memories/${id}`).set(as('team owner'));
}

/** Invite `user` to team acme with `role` and redeem the invite as that user. */
async function joinAcme(user: RegisteredUser, role: 'admin' | 'member'): Promise<void> {
  const invite = await request(server.url)
    .post('/v1/teams/acme/invites')
    .set(bearerHeader(olga.accessToken))
    .send({ email: user.user.email, role });
  expect(invite.status).toBe(201);
  const accepted = await request(server.url)
    .post('/v1/invites/accept')
    .set(bearerHeader(user.accessToken))
    .send({ token: (invite.body as { token: string }).token });
  expect(accepted.status).toBe(200);
}

/** Share a context of `owner` with a user or a team and return the share's id. */
async function share(
  ownerToken: string,
  body: { context: string; user?: string; team?: string; permission: 'read' | 'write' },
): Promise<string> {
  const response = await request(server.url)
    .post('/v1/shares')
    .set(bearerHeader(ownerToken))
    .send(body);
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(
      `POST /v1/shares returned ${response.status}: ${JSON.stringify(response.body)}`,
    );
  }
  return (response.body as { id: string }).id;
}

async function mcpClient(token: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', server.url), {
    requestInit: { headers: bearerHeader(token) },
  });
  const client = new Client({ name: 'permissions-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Call one MCP tool as `caller` over a client of its own. */
async function callTool(
  caller: Caller,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const client = await mcpClient(tokens[caller]);
  try {
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  } finally {
    await client.close();
  }
}

function toolText(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}

/** Read a JSON Lines export as text, whatever its content type. */
function exportAs(caller: Caller) {
  return request(server.url)
    .get('/v1/memories/export')
    .set(as(caller))
    .buffer(true)
    .parse((response, done) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => done(null, text));
    });
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
  const register = (email: string) => registerUser(server.url, email);

  // The first account is the server's administrator, which disables the disabled user below.
  admin = await register('admin@example.com');
  olga = await register('olga@example.com');
  adam = await register('adam@example.com');
  mia = await register('mia@example.com');
  nick = await register('nick@example.com');
  const rita = await register('rita@example.com');
  const walt = await register('walt@example.com');
  const remy = await register('remy@example.com');
  const dina = await register('dina@example.com');
  await register('sam@example.com');
  uma = await register('uma@example.com');

  const team = await request(server.url)
    .post('/v1/teams')
    .set(bearerHeader(olga.accessToken))
    .send({ name: 'acme' });
  expect(team.status).toBe(201);
  await joinAcme(adam, 'admin');
  await joinAcme(mia, 'member');
  fixtureId = await addMemory(olga.accessToken, fixtureContent);

  await share(olga.accessToken, { context, user: 'rita@example.com', permission: 'read' });
  await share(olga.accessToken, { context, user: 'walt@example.com', permission: 'write' });
  const remyShare = await share(olga.accessToken, {
    context,
    user: 'remy@example.com',
    permission: 'write',
  });
  await share(olga.accessToken, { context, user: 'dina@example.com', permission: 'write' });

  // Remy and Dina could read before their access ended, so the matrix shows the ending.
  for (const user of [remy, dina]) {
    const before = await request(server.url)
      .get(`/v1/memories/${fixtureId}`)
      .set(bearerHeader(user.accessToken));
    expect(before.status).toBe(200);
  }
  await request(server.url)
    .delete(`/v1/shares/${remyShare}`)
    .set(bearerHeader(olga.accessToken))
    .expect(204);
  await request(server.url)
    .post(`/v1/admin/users/${dina.user.id}/disable`)
    .set(bearerHeader(admin.accessToken))
    .expect(200);

  const key = await request(server.url)
    .post('/v1/api-keys')
    .set(bearerHeader(olga.accessToken))
    .send({ name: 'reader', scope: 'read' });
  expect(key.status).toBe(201);

  Object.assign(tokens, {
    'team owner': olga.accessToken,
    'team admin': adam.accessToken,
    'team member': mia.accessToken,
    'non-member': nick.accessToken,
    'shared-read user': rita.accessToken,
    'shared-write user': walt.accessToken,
    'revoked share': remy.accessToken,
    'disabled user': dina.accessToken,
    'read-scoped key': (key.body as { key: string }).key,
  } satisfies Record<Caller, string>);
});

afterAll(async () => {
  await server.close();
  await temporary.drop();
});

describe('permission matrix of team context acme/plans', () => {
  it.each(column('get'))('get as %s: %s', async (caller, status) => {
    const response = await request(server.url).get(`/v1/memories/${fixtureId}`).set(as(caller));

    expectStatus(response, status);
    if (status === 200) {
      expect(response.body).toMatchObject({ content: fixtureContent, context });
    }
  });

  it.each(column('list'))('list with context filter as %s: %s', async (caller, status) => {
    const response = await request(server.url)
      .get('/v1/memories')
      .query({ context })
      .set(as(caller));

    expectStatus(response, status);
    if (status === 200) {
      const ids = (response.body as { items: { id: string }[] }).items.map((item) => item.id);
      expect(ids).toContain(fixtureId);
    }
  });

  it.each(column('listAll'))('list without filter as %s: %s', async (caller, seen) => {
    const response = await request(server.url).get('/v1/memories').set(as(caller));

    if (seen === 401) {
      expectStatus(response, 401);
      return;
    }
    expect(response.status).toBe(200);
    const ids = (response.body as { items: { id: string }[] }).items.map((item) => item.id);
    expect(ids.includes(fixtureId)).toBe(seen === 'shown');
  });

  it.each(column('search'))('search in the context as %s: %s', async (caller, status) => {
    const response = await request(server.url)
      .post('/v1/search')
      .set(as(caller))
      .send({ query: 'launch plan', context });

    expectStatus(response, status);
    if (status === 200) {
      const ids = (response.body as { items: { id: string }[] }).items.map((item) => item.id);
      expect(ids).toEqual([fixtureId]);
    }
  });

  it.each(column('history'))('history as %s: %s', async (caller, status) => {
    const response = await request(server.url)
      .get(`/v1/memories/${fixtureId}/history`)
      .set(as(caller));

    expectStatus(response, status);
    if (status === 200) {
      expect((response.body as { items: unknown[] }).items).toEqual([
        expect.objectContaining({ version: 1, content: fixtureContent }),
      ]);
    }
  });

  it.each(column('export'))('export without filter as %s: %s', async (caller, seen) => {
    const response = await exportAs(caller);

    if (seen === 401) {
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body as string)).toMatchObject({ code: 'unauthenticated' });
      return;
    }
    expect(response.status).toBe(200);
    const ids = (response.body as string)
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids.includes(fixtureId)).toBe(seen === 'shown');
  });

  it.each(column('add'))('add as %s: %s', async (caller, status) => {
    const response = await request(server.url)
      .post('/v1/memories')
      .set(as(caller))
      .send({ content: `Added over REST by the ${caller}`, context });

    expectStatus(response, status);
    if (status === 201) {
      expect(response.body).toMatchObject({ context, created: true });
    }
  });

  it.each(column('update'))('update as %s: %s', async (caller, status) => {
    const id = await freshMemory(caller);

    const response = await request(server.url)
      .patch(`/v1/memories/${id}`)
      .set(as(caller))
      .send({ content: `Changed by the ${caller}` });

    expectStatus(response, status);
    const after = await ownerGet(id);
    const expectedContent = status === 200 ? `Changed by the ${caller}` : /^Draft \d+ kept for /;
    expect((after.body as { content: string }).content).toMatch(expectedContent);
    expect((after.body as { version: number }).version).toBe(status === 200 ? 2 : 1);
  });

  it.each(column('delete'))('delete as %s: %s', async (caller, status) => {
    const id = await freshMemory(caller);

    const response = await request(server.url).delete(`/v1/memories/${id}`).set(as(caller));

    expectStatus(response, status);
    expect((await ownerGet(id)).status).toBe(status === 204 ? 404 : 200);
  });

  it.each(column('share'))('share with another user as %s: %s', async (caller, status) => {
    const response = await request(server.url)
      .post('/v1/shares')
      .set(as(caller))
      .send({ context, user: 'sam@example.com', permission: 'read' });

    expectStatus(response, status);
    if (status === 201) {
      expect(response.body).toMatchObject({
        context,
        grantee: { type: 'user', name: 'sam@example.com' },
        permission: 'read',
        created: true,
      });
      // Revoke it again, so that the next caller creates the share anew.
      await request(server.url)
        .delete(`/v1/shares/${(response.body as { id: string }).id}`)
        .set(as('team owner'))
        .expect(204);
    }
  });

  it.each(column('mcpSearch'))('MCP search_memories as %s: %s', async (caller, outcome) => {
    if (outcome === 401) {
      await expect(mcpClient(tokens[caller])).rejects.toThrow(/401/);
      return;
    }

    const result = await callTool(caller, 'search_memories', { query: 'launch plan', context });

    if (outcome === 'found') {
      expect(result.isError).toBeFalsy();
      const items = (result.structuredContent as { items: { id: string }[] }).items;
      expect(items.map((item) => item.id)).toEqual([fixtureId]);
    } else {
      expect(result.isError).toBe(true);
      expect(toolText(result)).toContain(`No context named "${context}"`);
    }
  });

  it.each(column('mcpAdd'))('MCP add_memory as %s: %s', async (caller, outcome) => {
    const args = { content: `Added over MCP by the ${caller}`, context };
    if (outcome === 401) {
      await expect(mcpClient(tokens[caller])).rejects.toThrow(/401/);
      return;
    }
    if (outcome === 'read-only tools') {
      await expect(callTool(caller, 'add_memory', args)).rejects.toMatchObject({
        code: -32602,
        message: expect.stringMatching(/can only read/) as string,
      });
      return;
    }

    const result = await callTool(caller, 'add_memory', args);

    if (outcome === 'added') {
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ memory: { context }, created: true });
    } else if (outcome === 'read only') {
      expect(result.isError).toBe(true);
      expect(toolText(result)).toContain('shared with you to read only');
    } else {
      expect(result.isError).toBe(true);
      expect(toolText(result)).toContain(`No context named "${context}"`);
    }
  });

  it.each(column('contexts'))('GET /v1/contexts as %s: %s', async (caller, listing) => {
    const response = await request(server.url).get('/v1/contexts').set(as(caller));

    if (listing === 401) {
      expectStatus(response, 401);
      return;
    }
    expect(response.status).toBe(200);
    const items = (response.body as { items: { name: string }[] }).items;
    const entry = items.find((item) => item.name === context);
    if (listing === 'hidden') {
      expect(entry).toBeUndefined();
    } else {
      expect(entry).toMatchObject({ owner: { type: 'team', name: 'acme' }, permission: listing });
    }
  });
});

describe('user context shared with a team', () => {
  const research = 'uma@example.com/research';
  let researchId: string;

  beforeAll(async () => {
    researchId = await addMemory(uma.accessToken, 'Interview notes from the pilot', 'research');
    await share(uma.accessToken, { context: 'research', team: 'acme', permission: 'read' });
  });

  it.each([
    ['team owner', () => olga],
    ['team admin', () => adam],
    ['team member', () => mia],
  ])('lets the %s read it, not write it', async (_role, user) => {
    const headers = bearerHeader(user().accessToken);

    const listed = await request(server.url)
      .get('/v1/memories')
      .query({ context: research })
      .set(headers);
    expect(listed.status).toBe(200);
    expect((listed.body as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([
      researchId,
    ]);

    const contexts = await request(server.url).get('/v1/contexts').set(headers);
    const entry = (contexts.body as { items: { name: string }[] }).items.find(
      (item) => item.name === research,
    );
    expect(entry).toMatchObject({
      owner: { type: 'user', name: 'uma@example.com' },
      permission: 'read',
    });

    const added = await request(server.url)
      .post('/v1/memories')
      .set(headers)
      .send({ content: 'A note from the team', context: research });
    expectProblem(added, 403, 'forbidden');
  });

  it('hides it from a user outside the team', async () => {
    const headers = bearerHeader(nick.accessToken);

    const listed = await request(server.url)
      .get('/v1/memories')
      .query({ context: research })
      .set(headers);
    expectProblem(listed, 404, 'not_found');
    const memory = await request(server.url).get(`/v1/memories/${researchId}`).set(headers);
    expectProblem(memory, 404, 'not_found');
    const contexts = await request(server.url).get('/v1/contexts').set(headers);
    const names = (contexts.body as { items: { name: string }[] }).items.map((item) => item.name);
    expect(names).not.toContain(research);
  });
});

describe('several grants to one user', () => {
  /** Add a memory to `contextName` as Mia and return the status. */
  async function miaAdds(contextName: string, content: string): Promise<number> {
    const response = await request(server.url)
      .post('/v1/memories')
      .set(bearerHeader(mia.accessToken))
      .send({ content, context: contextName });
    return response.status;
  }

  async function miasPermission(contextName: string): Promise<string | undefined> {
    const response = await request(server.url)
      .get('/v1/contexts')
      .set(bearerHeader(mia.accessToken));
    const items = (response.body as { items: { name: string; permission: string }[] }).items;
    return items.find((item) => item.name === contextName)?.permission;
  }

  it('gives write through the team over a read share', async () => {
    await addMemory(uma.accessToken, 'First draft of the essay', 'drafts');
    await share(uma.accessToken, {
      context: 'drafts',
      user: 'mia@example.com',
      permission: 'read',
    });
    expect(await miaAdds('uma@example.com/drafts', 'Mia tries to write')).toBe(403);
    expect(await miasPermission('uma@example.com/drafts')).toBe('read');

    await share(uma.accessToken, { context: 'drafts', team: 'acme', permission: 'write' });

    expect(await miaAdds('uma@example.com/drafts', 'Mia writes through acme')).toBe(201);
    expect(await miasPermission('uma@example.com/drafts')).toBe('write');
  });

  it('gives write through a user share over a read team share', async () => {
    await addMemory(uma.accessToken, 'Reading list for spring', 'journal');
    await share(uma.accessToken, { context: 'journal', team: 'acme', permission: 'read' });
    await share(uma.accessToken, {
      context: 'journal',
      user: 'mia@example.com',
      permission: 'write',
    });

    expect(await miaAdds('uma@example.com/journal', 'Mia adds a book')).toBe(201);
    expect(await miasPermission('uma@example.com/journal')).toBe('write');
    // Adam has only the team's read share.
    const adams = await request(server.url)
      .post('/v1/memories')
      .set(bearerHeader(adam.accessToken))
      .send({ content: 'Adam adds a book', context: 'uma@example.com/journal' });
    expectProblem(adams, 403, 'forbidden');
  });
});

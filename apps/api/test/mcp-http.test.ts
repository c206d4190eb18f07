import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import request from 'supertest';

import {
  bearerHeader,
  createTemporaryDatabase,
  registerUser,
  startTeamServer,
  type RegisteredUser,
  type TeamServer,
  type TemporaryDatabase,
} from './team-server';

let temporary: TemporaryDatabase;
let server: TeamServer;
let ana: RegisteredUser;
let ben: RegisteredUser;
let anasReadKey: string;

/** Connect an MCP client to the server's `/mcp` with `token` as the bearer token. */
async function mcpClient(token: string, path = '/mcp'): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(path, server.url), {
    requestInit: { headers: bearerHeader(token) },
  });
  const client = new Client({ name: 'mcp-http-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>) {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
};

beforeAll(async () => {
  temporary = await createTemporaryDatabase();
  server = await startTeamServer(temporary.url);
  ana = await registerUser(server.url, 'ana@example.com');
  ben = await registerUser(server.url, 'ben@example.com');

  const key = await request(server.url)
    .post('/v1/api-keys')
    .set(bearerHeader(ana.accessToken))
    .send({ name: 'assistant', scope: 'read' });
  expect(key.status).toBe(201);
  anasReadKey = (key.body as { key: string }).key;
});

afterAll(async () => {
  await server.close();
  await temporary.drop();
});

describe('MCP over HTTP at /mcp', () => {
  it('rejects a request without a token', async () => {
    const response = await request(server.url)
      .post('/mcp')
      .set('Accept', 'application/json, text/event-stream')
      .send(initialize);

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toContain('Bearer');
    expect((response.body as { code: string }).code).toBe('unauthenticated');
  });

  it('rejects an invalid token', async () => {
    await expect(mcpClient('m0k_not-a-real-key')).rejects.toThrow(/401/);
  });

  it('answers GET and DELETE with 405', async () => {
    for (const method of ['get', 'delete'] as const) {
      const response = await request(server.url)[method]('/mcp').set(bearerHeader(ana.accessToken));
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('POST');
    }
  });

  it('runs every tool for a session', async () => {
    const client = await mcpClient(ana.accessToken);
    try {
      expect((await client.listTools()).tools).toHaveLength(8);

      const added = await call(client, 'add_memory', {
        content: 'The release train leaves on Thursdays',
        context: 'releases',
      });
      const memory = (added.structuredContent as { memory: { id: string } }).memory;

      const found = await call(client, 'search_memories', { query: 'release train' });
      expect(found.structuredContent).toMatchObject({ items: [{ id: memory.id }] });

      const updated = await call(client, 'update_memory', {
        id: memory.id,
        content: 'The release train leaves on Wednesdays',
      });
      expect(updated.isError).toBeFalsy();

      const history = await call(client, 'memory_history', { id: memory.id });
      expect((history.structuredContent as { revisions: unknown[] }).revisions).toHaveLength(2);

      const contexts = await call(client, 'list_contexts', {});
      expect(JSON.stringify(contexts.structuredContent)).toContain('releases');

      // The REST API returns what the MCP tools wrote, with the source mcp.
      const rest = await request(server.url)
        .get(`/v1/memories/${memory.id}`)
        .set(bearerHeader(ana.accessToken));
      expect(rest.body).toMatchObject({
        content: 'The release train leaves on Wednesdays',
        source: 'mcp',
      });
    } finally {
      await client.close();
    }
  });

  it('gives a read key only the read tools', async () => {
    const client = await mcpClient(anasReadKey);
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name).sort();
      expect(names).toEqual([
        'get_memory',
        'list_contexts',
        'list_memories',
        'memory_history',
        'search_memories',
      ]);

      await expect(call(client, 'add_memory', { content: 'nope' })).rejects.toThrow(
        /add_memory changes memories, and this server.s credential can only read/,
      );
      await expect(call(client, 'delete_memory', { id: 'x' })).rejects.toThrow(
        /delete_memory changes memories/,
      );

      const found = await call(client, 'search_memories', { query: 'release' });
      expect((found.structuredContent as { items: unknown[] }).items).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('keeps each user to their own memories', async () => {
    const anas = await mcpClient(ana.accessToken);
    const bens = await mcpClient(ben.accessToken);
    try {
      const added = await call(anas, 'add_memory', { content: 'Ana’s private locker code 4412' });
      const id = (added.structuredContent as { memory: { id: string } }).memory.id;

      const searched = await call(bens, 'search_memories', { query: 'locker code' });
      expect((searched.structuredContent as { items: unknown[] }).items).toEqual([]);
      const listed = await call(bens, 'list_memories', {});
      expect((listed.structuredContent as { items: unknown[] }).items).toEqual([]);

      for (const [name, args] of [
        ['get_memory', { id }],
        ['memory_history', { id }],
        ['update_memory', { id, content: 'Ben was here' }],
        ['delete_memory', { id }],
      ] as const) {
        const result = await call(bens, name, args);
        expect(result.isError).toBe(true);
        expect(result.content[0]).toMatchObject({ text: expect.stringContaining('not found') });
      }

      const contexts = await call(bens, 'list_contexts', {});
      expect(JSON.stringify(contexts.structuredContent)).not.toContain('releases');

      // Ana's memory is untouched.
      const unchanged = await call(anas, 'get_memory', { id });
      expect(unchanged.structuredContent).toMatchObject({
        memory: { content: 'Ana’s private locker code 4412', version: 1 },
      });
    } finally {
      await anas.close();
      await bens.close();
    }
  });

  it('takes a default context from the query string', async () => {
    const client = await mcpClient(ana.accessToken, '/mcp?context=handbook');
    try {
      const added = await call(client, 'add_memory', { content: 'Holidays are booked in May' });
      expect(added.structuredContent).toMatchObject({ memory: { context: 'handbook' } });

      const listed = await call(client, 'list_memories', {});
      expect((listed.structuredContent as { items: { context: string }[] }).items).toEqual([
        expect.objectContaining({ context: 'handbook' }),
      ]);
    } finally {
      await client.close();
    }

    const invalid = await request(server.url)
      .post('/mcp?context=a/b/c/d')
      .set(bearerHeader(ana.accessToken))
      .set('Accept', 'application/json, text/event-stream')
      .send(initialize);
    expect(invalid.status).toBe(400);
    expect((invalid.body as { detail: string }).detail).toContain('?context=my-project');
  });

  it('answers bad arguments with invalid params', async () => {
    const client = await mcpClient(ana.accessToken);
    try {
      await expect(call(client, 'add_memory', { content: null })).rejects.toMatchObject({
        code: -32602,
      });
      await expect(call(client, 'search_memories', {})).rejects.toThrow(/query/);
    } finally {
      await client.close();
    }
  });

  it('rejects a body that is not JSON', async () => {
    const response = await request(server.url)
      .post('/mcp')
      .set(bearerHeader(ana.accessToken))
      .set('Content-Type', 'text/plain')
      .send('hello');

    expect(response.status).toBe(415);
  });
});

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { createHome, parseJson, removeHome, runCli } from '../helpers';
import { createApiKey, registerAccount, startTeamServer, type TeamServer } from '../team-server';
import { call, structured } from './helpers';

interface StdioEntry {
  type?: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

interface HttpEntry {
  type?: string;
  url: string;
  headers: Record<string, string>;
}

/** Return the one server entry of a printed block, under "mcpServers" or VS Code's "servers". */
function entryOf<T>(block: Record<string, Record<string, T>>, client: string): T {
  const servers = client === 'vscode' ? block.servers : block.mcpServers;
  expect(Object.keys(servers ?? {})).toEqual(['mem0']);
  return servers!.mem0!;
}

/** Start the server as an AI tool would: the entry's command, args and env, and nothing else. */
async function startFromEntry(entry: StdioEntry): Promise<Client> {
  const transport = new StdioClientTransport({
    command: entry.command,
    args: entry.args,
    env: { ...entry.env, MEM0_LOG_LEVEL: 'warn' },
    stderr: 'ignore',
    cwd: '/',
  });
  const client = new Client({ name: 'config-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('mem0 mcp config', () => {
  let server: TeamServer;
  let home: string;
  let teamHome: string;
  let writeKey: string;

  beforeAll(async () => {
    server = await startTeamServer();
    const ana = await registerAccount(server.url, 'ana@example.com');
    writeKey = (await createApiKey(server.url, ana.accessToken, 'write')).key;
    home = createHome('mcp-config');
    teamHome = createHome('mcp-config-team');

    const login = await runCli(
      ['login', server.url, '--with-token', '--insecure-storage', '--profile', 'team'],
      { home: teamHome, input: `${writeKey}\n` },
    );
    if (login.code !== 0) {
      throw new Error(`login failed: ${login.stderr}`);
    }
  });

  afterAll(async () => {
    await server.close();
    removeHome(home);
    removeHome(teamHome);
  });

  test.each(['claude', 'cursor', 'vscode'])('%s stdio block on the local store', async (name) => {
    const printed = await runCli(['mcp', 'config', name, '--context', `from-${name}`], { home });
    expect(printed.code).toBe(0);
    expect(printed.stderr).toMatch(/Merge this into/);

    const entry = entryOf<StdioEntry>(parseJson(printed.stdout), name);
    if (name === 'vscode') {
      expect(entry.type).toBe('stdio');
    }
    expect(entry.env).toEqual({ MEM0_HOME: home });

    const client = await startFromEntry(entry);
    try {
      structured(await call(client, 'add_memory', { content: `configured in ${name}` }));
    } finally {
      await client.close();
    }

    const listed = await runCli(['list', '--context', `from-${name}`, '--json'], { home });
    expect(parseJson<{ content: string }[]>(listed.stdout).map((memory) => memory.content)).toEqual(
      [`configured in ${name}`],
    );
  });

  test('a quoted ~ in MEM0_HOME becomes the folder the CLI uses', async () => {
    const printed = await runCli(['mcp', 'config', 'cursor'], {
      home,
      env: { MEM0_HOME: '~/mem0-data', HOME: home },
    });
    const entry = entryOf<StdioEntry>(parseJson(printed.stdout), 'cursor');
    expect(entry.env).toEqual({ MEM0_HOME: `${home}/mem0-data` });
  });

  test('stdio block of a team profile holds no secret', async () => {
    const printed = await runCli(['mcp', 'config', 'cursor'], { home: teamHome });
    expect(printed.code).toBe(0);
    expect(printed.stdout).not.toContain(writeKey);

    const entry = entryOf<StdioEntry>(parseJson(printed.stdout), 'cursor');
    expect(entry.args).toEqual(expect.arrayContaining(['--profile', 'team']));

    const client = await startFromEntry(entry);
    try {
      structured(await call(client, 'add_memory', { content: 'stored on the team server' }));
    } finally {
      await client.close();
    }
    const rows = await server.query<{ content: string }>(
      "SELECT content FROM memories WHERE content = 'stored on the team server'",
    );
    expect(rows).toHaveLength(1);
  });

  test.each([
    ['cursor', '${env:MEM0_API_KEY}'],
    ['vscode', '${input:mem0-api-key}'],
  ])('%s http block reaches /mcp', async (name, placeholder) => {
    const printed = await runCli(['mcp', 'config', name, '--http'], { home: teamHome });
    expect(printed.code).toBe(0);
    expect(printed.stdout).not.toContain(writeKey);

    const block = parseJson<Record<string, unknown>>(printed.stdout);
    const entry = entryOf<HttpEntry>(block as Record<string, Record<string, HttpEntry>>, name);
    expect(entry.url).toBe(`${server.url}/mcp`);
    expect(entry.headers.Authorization).toBe(`Bearer ${placeholder}`);
    if (name === 'vscode') {
      expect(entry.type).toBe('http');
      expect(block.inputs).toEqual([
        expect.objectContaining({ type: 'promptString', id: 'mem0-api-key', password: true }),
      ]);
    }

    // Fill in the key as the client would, then connect with the block's URL and headers.
    const headers = { Authorization: entry.headers.Authorization!.replace(placeholder, writeKey) };
    const transport = new StreamableHTTPClientTransport(new URL(entry.url), {
      requestInit: { headers },
    });
    const client = new Client({ name: 'config-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools).toHaveLength(8);
    } finally {
      await client.close();
    }
  });

  test('http block carries --context in its URL', async () => {
    const printed = await runCli(['mcp', 'config', 'cursor', '--http', '--context', 'notes-1'], {
      home: teamHome,
    });
    const entry = entryOf<HttpEntry>(parseJson(printed.stdout), 'cursor');
    expect(entry.url).toBe(`${server.url}/mcp?context=notes-1`);

    const transport = new StreamableHTTPClientTransport(new URL(entry.url), {
      requestInit: { headers: { Authorization: `Bearer ${writeKey}` } },
    });
    const client = new Client({ name: 'config-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const added = structured<{ memory: { context: string } }>(
        await call(client, 'add_memory', { content: 'kept apart by the URL' }),
      );
      expect(added.memory.context).toBe('notes-1');
    } finally {
      await client.close();
    }
  });

  test.each([
    [['mcp', 'config', 'zed'], 'Unknown MCP client "zed"'],
    [['mcp', 'config', 'claude', '--http', '--profile', 'team'], 'describes stdio servers'],
    [['mcp', 'config', 'cursor', '--http', '--profile', 'local'], '--http needs a team server'],
    [['mcp', 'config', 'cursor', '--name', 'my server'], 'Invalid server name'],
    [['mcp', 'config', 'cursor', '--context', 'a/b/c/d'], 'Invalid context'],
  ])('mem0 %j is rejected', async (args, message) => {
    const result = await runCli(args, { home: teamHome });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  test('a key in MEM0_API_KEY is never printed', async () => {
    const result = await runCli(['mcp', 'config', 'claude'], {
      home,
      env: { MEM0_SERVER: server.url, MEM0_API_KEY: writeKey },
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('mem0 login URL --with-token');
    expect(result.stderr).not.toContain(writeKey);
  });
});

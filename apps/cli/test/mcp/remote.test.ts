import { spawn } from 'node:child_process';

import { createHome, removeHome, runCli } from '../helpers';
import {
  createApiKey,
  registerAccount,
  startTeamServer,
  type TeamServer,
  unusedPort,
} from '../team-server';
import { binPath, call, connect, serverEnv, structured, textOf } from './helpers';

/** Start mem0-mcp with `env` and return its exit code and stderr, for starts that must fail. */
function failedStart(home: string, env: Record<string, string>, args: string[] = []) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [binPath, ...args], { env: serverEnv(home, env) });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('mem0-mcp on a team server', () => {
  let server: TeamServer;
  let home: string;
  let writeKey: { id: string; key: string };
  let readKey: { id: string; key: string };

  beforeAll(async () => {
    server = await startTeamServer();
    const ana = await registerAccount(server.url, 'ana@example.com');
    writeKey = await createApiKey(server.url, ana.accessToken, 'write');
    readKey = await createApiKey(server.url, ana.accessToken, 'read');
    home = createHome('mcp-remote');
  });

  afterAll(async () => {
    await server.close();
    removeHome(home);
  });

  test('MEM0_SERVER and a write key: the tools work on the server', async () => {
    const client = await connect(home, {
      env: { MEM0_SERVER: server.url, MEM0_API_KEY: writeKey.key },
      args: ['--context', 'billing-service'],
    });
    try {
      const tools = await client.listTools();
      expect(tools.tools).toHaveLength(8);

      const added = structured<{ memory: { id: string; context: string } }>(
        await call(client, 'add_memory', { content: 'Invoices are numbered per tenant' }),
      );
      expect(added.memory.context).toBe('billing-service');

      const found = structured<{ items: { id: string }[] }>(
        await call(client, 'search_memories', { query: 'invoices tenant' }),
      );
      expect(found.items.map((hit) => hit.id)).toEqual([added.memory.id]);

      // The memory is on the server, not in the local database of MEM0_HOME.
      const rows = await server.query<{ content: string; source: string }>(
        'SELECT content, source FROM memories WHERE id = $1',
        [added.memory.id],
      );
      expect(rows).toEqual([{ content: 'Invoices are numbered per tenant', source: 'mcp' }]);
    } finally {
      await client.close();
    }
  });

  test('a read key lists only the read tools', async () => {
    const client = await connect(home, {
      env: { MEM0_SERVER: server.url, MEM0_API_KEY: readKey.key },
    });
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name).sort();
      expect(names).toEqual([
        'get_memory',
        'list_contexts',
        'list_memories',
        'memory_history',
        'search_memories',
      ]);
      await expect(call(client, 'add_memory', { content: 'not allowed' })).rejects.toThrow(
        /add_memory changes memories, and this server.s credential can only read/,
      );
      const found = structured<{ items: unknown[] }>(
        await call(client, 'search_memories', { query: 'invoices' }),
      );
      expect(found.items).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  test('a stored profile selects the server', async () => {
    const profileHome = createHome('mcp-profile');
    try {
      const login = await runCli(
        ['login', server.url, '--with-token', '--insecure-storage', '--profile', 'team'],
        { home: profileHome, input: `${writeKey.key}\n` },
      );
      expect(login.stderr).not.toContain('Error');
      expect(login.code).toBe(0);
      // The CLI's active profile is now "team"; --profile local still picks the local store.
      const client = await connect(profileHome);
      const local = await connect(profileHome, { args: ['--profile', 'local'] });
      try {
        const remote = structured<{ items: unknown[] }>(
          await call(client, 'search_memories', { query: 'invoices' }),
        );
        expect(remote.items).toHaveLength(1);
        const nothing = structured<{ items: unknown[] }>(
          await call(local, 'search_memories', { query: 'invoices' }),
        );
        expect(nothing.items).toHaveLength(0);
      } finally {
        await client.close();
        await local.close();
      }
    } finally {
      removeHome(profileHome);
    }
  });

  test('a revoked key or an unknown profile stops the start', async () => {
    const revoked = await failedStart(home, { MEM0_SERVER: server.url, MEM0_API_KEY: 'm0k_nope' });
    expect(revoked.code).not.toBe(0);
    expect(revoked.stderr).toMatch(/^mem0-mcp: .*API key/m);

    const unknown = await failedStart(home, {}, ['--profile', 'nowhere']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No profile is named "nowhere"');
  });

  test('an unreachable server still starts, and calls say why they fail', async () => {
    const port = await unusedPort();
    const client = await connect(home, {
      env: { MEM0_SERVER: `http://127.0.0.1:${port}`, MEM0_API_KEY: writeKey.key },
    });
    try {
      expect((await client.listTools()).tools).toHaveLength(8);

      const result = await call(client, 'search_memories', { query: 'invoices' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain(`Cannot reach the mem0 server at http://127.0.0.1:${port}`);
    } finally {
      await client.close();
    }
  });

  test('a tool call after the key is revoked is a tool error', async () => {
    const spare = await createApiKey(
      server.url,
      (await registerAccount(server.url, 'cy@example.com')).accessToken,
      'write',
    );
    const client = await connect(home, {
      env: { MEM0_SERVER: server.url, MEM0_API_KEY: spare.key },
    });
    try {
      await server.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [spare.id]);
      const result = await call(client, 'list_memories', {});
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/revoked|API key/i);
    } finally {
      await client.close();
    }
  });
});

import { SqliteStore } from '@memzero/db';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

import { createMcpServer, type McpServerOptions } from '../src';

/** Connect a client to a server on a fresh in-memory SQLite store. */
async function connected(options: McpServerOptions = {}) {
  const store = new SqliteStore(':memory:');
  const server = createMcpServer(store, options);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'server-test', version: '1.0.0' });
  await client.connect(clientSide);
  return {
    store,
    client,
    call: async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await server.close();
      await store.close();
    },
  };
}

describe('createMcpServer', () => {
  test('read-only lists and runs only the read tools', async () => {
    const session = await connected({ readOnly: true });
    try {
      const names = (await session.client.listTools()).tools.map((tool) => tool.name);
      expect(names.sort()).toEqual([
        'get_memory',
        'list_contexts',
        'list_memories',
        'memory_history',
        'search_memories',
      ]);
      for (const tool of (await session.client.listTools()).tools) {
        expect(tool.annotations?.readOnlyHint).toBe(true);
      }
      await expect(session.call('delete_memory', { id: 'x' })).rejects.toThrow(
        /delete_memory changes memories/,
      );
    } finally {
      await session.close();
    }
  });

  test.each([
    ['missing', {}, /content.*required/i],
    ['null', { content: null }, /content/],
    ['a number', { content: 42 }, /content/],
    ['an unknown argument', { content: 'x', colour: 'red' }, /colour/],
  ])('add_memory with content %s is invalid params', async (_label, args, message) => {
    const session = await connected();
    try {
      await expect(session.call('add_memory', args)).rejects.toMatchObject({
        code: -32602,
        message: expect.stringMatching(message) as unknown,
      });
    } finally {
      await session.close();
    }
  });

  test('an unknown tool is invalid params', async () => {
    const session = await connected();
    try {
      const failure = session.call('forget_everything', {});
      await expect(failure).rejects.toMatchObject({ code: -32602 });
      // The client adds "MCP error -32602:" once; the server's message must not carry it too.
      await expect(failure).rejects.toThrow(
        /^MCP error -32602: Unknown tool "forget_everything"\. Available tools: add_memory,/,
      );
    } finally {
      await session.close();
    }
  });

  test('a mistyped argument names the expected type', async () => {
    const session = await connected();
    try {
      await expect(session.call('list_memories', { limit: 'ten' })).rejects.toThrow(
        /^MCP error -32602: Invalid argument "limit" for list_memories: expected an integer, got a string\.$/,
      );
    } finally {
      await session.close();
    }
  });

  test('a failing store gives a tool error, and the server goes on', async () => {
    const session = await connected({ defaultContext: 'notes' });
    try {
      const added = await session.call('add_memory', { content: 'kept in notes' });
      expect(added.structuredContent).toMatchObject({ memory: { context: 'notes' } });

      // A closed database makes every later call fail inside the store.
      await session.store.close();
      const failed = await session.call('list_memories', {});
      expect(failed.isError).toBe(true);
      const text = (failed.content[0] as { text: string }).text;
      expect(text).not.toMatch(/^\s+at /m);
      expect(text.length).toBeGreaterThan(10);

      expect((await session.client.listTools()).tools).toHaveLength(8);
    } finally {
      await session.close();
    }
  });
});

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

import { call, connect, makeHome, structured, textOf } from './helpers';

interface Summary {
  id: string;
  context: string;
  tags: string[];
  version: number;
  preview: string;
  truncated: boolean;
  contentLength: number;
}

interface Page {
  items: Summary[];
  nextCursor: string | null;
}

const toolNames = [
  'add_memory',
  'delete_memory',
  'get_memory',
  'list_contexts',
  'list_memories',
  'memory_history',
  'search_memories',
  'update_memory',
];

/** Call a tool and return the protocol error it raised, failing when it raised none. */
async function protocolError(client: Client, name: string, args: unknown): Promise<McpError> {
  try {
    await client.callTool({ name, arguments: args as Record<string, unknown> });
  } catch (error) {
    if (error instanceof McpError) {
      return error;
    }
    throw error;
  }
  throw new Error(`${name} succeeded, expected a protocol error`);
}

describe('mem0-mcp tools', () => {
  let client: Client;
  let remove: () => void;

  beforeAll(async () => {
    const home = makeHome();
    remove = home.remove;
    client = await connect(home.home);
  });

  afterAll(async () => {
    await client.close();
    remove();
  });

  test('tools/list names and annotations', async () => {
    const { tools } = await client.listTools();

    expect(tools.map((tool) => tool.name).sort()).toEqual(toolNames);
    for (const tool of tools) {
      expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(tool.title).toBeTruthy();
      expect(tool.description?.length).toBeGreaterThan(40);
      expect(tool.outputSchema?.type).toBe('object');
      expect(typeof tool.annotations?.readOnlyHint).toBe('boolean');
      expect(typeof tool.annotations?.destructiveHint).toBe('boolean');
      expect(typeof tool.annotations?.idempotentHint).toBe('boolean');
    }
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect(byName.get('search_memories')?.annotations?.readOnlyHint).toBe(true);
    expect(byName.get('delete_memory')?.annotations?.destructiveHint).toBe(true);
    expect(byName.get('add_memory')?.annotations?.readOnlyHint).toBe(false);
  });

  test('tools/list input schemas are flat', async () => {
    const { tools } = await client.listTools();

    for (const tool of tools) {
      const schema = tool.inputSchema as Record<string, unknown>;
      expect(JSON.stringify(schema)).not.toContain('$ref');
      expect(schema.additionalProperties).toBe(false);
      const properties = schema.properties as Record<string, Record<string, unknown>>;
      expect([tool.name, Object.keys(properties).length > 0]).toEqual([tool.name, true]);
      for (const [name, property] of Object.entries(properties)) {
        expect([name, typeof property.description]).toEqual([name, 'string']);
        expect(property.properties).toBeUndefined();
        if (property.type === 'array') {
          expect([name, typeof property.items]).toEqual([name, 'object']);
        }
      }
    }
  });

  test('add, get, update, history, delete', async () => {
    const added = structured<{ created: boolean; memory: Summary }>(
      await call(client, 'add_memory', {
        content: 'The build uses pnpm workspaces',
        context: 'lifecycle',
        tags: ['Build'],
        metadata: { origin: 'test' },
      }),
    );
    expect(added.created).toBe(true);
    expect(added.memory.tags).toEqual(['build']);
    const id = added.memory.id;

    const again = structured<{ created: boolean; memory: Summary }>(
      await call(client, 'add_memory', {
        content: 'The build uses pnpm workspaces',
        context: 'lifecycle',
      }),
    );
    expect(again.created).toBe(false);
    expect(again.memory.id).toBe(id);

    const fetched = await call(client, 'get_memory', { id });
    const memory = structured<{ memory: { content: string; metadata: unknown; source: string } }>(
      fetched,
    ).memory;
    expect(memory.content).toBe('The build uses pnpm workspaces');
    expect(memory.metadata).toEqual({ origin: 'test' });
    expect(memory.source).toBe('mcp');
    expect(textOf(fetched)).toContain('The build uses pnpm workspaces');

    const updated = structured<{ memory: Summary }>(
      await call(client, 'update_memory', {
        id,
        content: 'The build uses turbo and pnpm',
        expectedVersion: 1,
      }),
    );
    expect(updated.memory.version).toBe(2);
    expect(updated.memory.preview).toBe('The build uses turbo and pnpm');

    const stale = await call(client, 'update_memory', {
      id,
      content: 'stale edit',
      expectedVersion: 1,
    });
    expect(stale.isError).toBe(true);
    expect(textOf(stale)).toMatch(/version/i);

    const deleted = structured<{ memory: Summary }>(await call(client, 'delete_memory', { id }));
    expect(deleted.memory.id).toBe(id);

    const history = structured<{ revisions: { version: number; operation: string }[] }>(
      await call(client, 'memory_history', { id }),
    );
    expect(history.revisions.map((revision) => revision.operation)).toEqual([
      'create',
      'update',
      'delete',
    ]);

    const gone = await call(client, 'get_memory', { id });
    expect(gone.isError).toBe(true);
    expect(textOf(gone)).toMatch(/not found/i);
  });

  test('search, list and list_contexts', async () => {
    await call(client, 'add_memory', {
      content: 'Postgres runs on port 5432',
      context: 'search-ctx',
    });
    await call(client, 'add_memory', { content: 'Redis caches sessions', context: 'search-ctx' });

    const found = structured<Page>(
      await call(client, 'search_memories', { query: 'postgres', context: 'search-ctx' }),
    );
    expect(found.items.map((item) => item.preview)).toEqual(['Postgres runs on port 5432']);

    const listed = structured<Page>(
      await call(client, 'list_memories', { context: 'search-ctx', limit: 1 }),
    );
    expect(listed.items).toHaveLength(1);
    expect(listed.nextCursor).not.toBeNull();
    const rest = structured<Page>(
      await call(client, 'list_memories', {
        context: 'search-ctx',
        limit: 1,
        cursor: listed.nextCursor,
      }),
    );
    expect(rest.items).toHaveLength(1);
    expect(rest.items[0]?.id).not.toBe(listed.items[0]?.id);

    const contexts = structured<{ contexts: { name: string; memoryCount: number }[] }>(
      await call(client, 'list_contexts', {}),
    );
    expect(contexts.contexts.find((context) => context.name === 'search-ctx')?.memoryCount).toBe(2);

    const filtered = structured<{ contexts: { name: string }[] }>(
      await call(client, 'list_contexts', { nameContains: 'SEARCH' }),
    );
    expect(filtered.contexts.map((context) => context.name)).toEqual(['search-ctx']);
  });

  test('not found is a tool error', async () => {
    for (const name of ['get_memory', 'delete_memory', 'memory_history']) {
      const result = await call(client, name, { id: '01JF8ZP6V7G1WQK3M4N5R6S7T8' });
      expect([name, result.isError]).toEqual([name, true]);
      expect(textOf(result)).toMatch(/not found/i);
    }
  });

  test.each([
    ['add_memory', {}, 'content', /required/],
    ['add_memory', { content: null }, 'content', /null/],
    ['add_memory', { content: 42 }, 'content', /number/],
    ['add_memory', { content: 'x', tags: 'a' }, 'tags', /array/],
    ['add_memory', { content: 'x', tags: [1] }, 'tags', /array of strings/],
    ['add_memory', { content: 'x', colour: 'red' }, 'colour', /unknown/],
    ['add_memory', { content: '' }, 'content', /.+/],
    ['search_memories', { query: 'x', limit: 0 }, 'limit', /at least 1/],
    ['search_memories', { query: 'x', limit: 2.5 }, 'limit', /integer/],
    ['get_memory', { id: null }, 'id', /null/],
    [
      'update_memory',
      { id: '01JF8ZP6V7G1WQK3M4N5R6S7T8', expectedVersion: '1' },
      'expectedVersion',
      /string/,
    ],
  ])('%s with %j is invalid params', async (name, args, argument, reason) => {
    const error = await protocolError(client, name, args);

    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toContain(argument);
    expect(error.message).toMatch(reason);
  });

  test('unknown tool is invalid params', async () => {
    const error = await protocolError(client, 'drop_tables', {});

    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toContain('drop_tables');
  });

  test('server survives bad calls', async () => {
    await protocolError(client, 'add_memory', { content: null });
    const result = await call(client, 'list_contexts', {});

    expect(result.isError).toBeFalsy();
  });
});

describe('default context', () => {
  test.each([
    ['--context flag', { args: ['--context', 'project-x'] }],
    ['MEM0_CONTEXT', { env: { MEM0_CONTEXT: 'project-x' } }],
  ])('from %s', async (_label, options) => {
    const { home, remove } = makeHome();
    const client = await connect(home, options);
    try {
      const added = structured<{ memory: Summary }>(
        await call(client, 'add_memory', { content: 'scoped note' }),
      );
      expect(added.memory.context).toBe('project-x');

      await call(client, 'add_memory', { content: 'scoped elsewhere', context: 'other' });
      const listed = structured<Page>(await call(client, 'list_memories', {}));
      expect(listed.items.map((item) => item.preview)).toEqual(['scoped note']);

      const searched = structured<Page>(await call(client, 'search_memories', { query: 'scoped' }));
      expect(searched.items.map((item) => item.context)).toEqual(['project-x']);

      const none = await call(client, 'search_memories', { query: 'zzzunknownword' });
      expect(textOf(none)).toBe('No matching memories in context "project-x" found.');

      const explicit = structured<Page>(await call(client, 'list_memories', { context: 'other' }));
      expect(explicit.items.map((item) => item.preview)).toEqual(['scoped elsewhere']);
    } finally {
      await client.close();
      remove();
    }
  });
});

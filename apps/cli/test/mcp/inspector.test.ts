import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

import { createHome, removeHome } from '../helpers';
import { binPath } from './helpers';

// The MCP Inspector, as an independent client. It is pinned at 0.15.0, the last release whose
// engines field accepts Node.js 20; later releases ask for Node.js 22.
const inspectorPath = resolve(__dirname, '..', '..', 'node_modules', '.bin', 'mcp-inspector');

interface InspectorRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `mcp-inspector --cli` against the built mem0-mcp with `MEM0_HOME=home`. */
function inspect(home: string, args: string[]): Promise<InspectorRun> {
  return new Promise((resolvePromise) => {
    execFile(
      inspectorPath,
      [
        '--cli',
        process.execPath,
        binPath,
        '-e',
        `MEM0_HOME=${home}`,
        '-e',
        'MEM0_LOG_LEVEL=warn',
        ...args,
      ],
      { timeout: 30_000 },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) {
          code = typeof error.code === 'number' ? error.code : 1;
        }
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

function toolCall(name: string, args: Record<string, string>): string[] {
  const pairs = Object.entries(args).flatMap(([key, value]) => ['--tool-arg', `${key}=${value}`]);
  return ['--method', 'tools/call', '--tool-name', name, ...pairs];
}

describe('mem0-mcp under the MCP Inspector', () => {
  let home: string;

  beforeAll(() => {
    home = createHome('mcp-inspector');
  });

  afterAll(() => {
    removeHome(home);
  });

  test('lists the tools', async () => {
    const run = await inspect(home, ['--method', 'tools/list']);
    expect(run.code).toBe(0);

    const listed = JSON.parse(run.stdout) as { tools: { name: string }[] };
    expect(listed.tools.map((tool) => tool.name).sort()).toEqual([
      'add_memory',
      'delete_memory',
      'get_memory',
      'list_contexts',
      'list_memories',
      'memory_history',
      'search_memories',
      'update_memory',
    ]);
  });

  test('adds and finds a memory', async () => {
    const added = await inspect(
      home,
      toolCall('add_memory', { content: 'Inspector checks the wire format', tags: '["wire"]' }),
    );
    expect(added.code).toBe(0);
    const memory = (JSON.parse(added.stdout) as { structuredContent: { memory: { id: string } } })
      .structuredContent.memory;

    const found = await inspect(home, toolCall('search_memories', { query: 'wire format' }));
    expect(found.code).toBe(0);
    const hits = JSON.parse(found.stdout) as { structuredContent: { items: { id: string }[] } };
    expect(hits.structuredContent.items.map((hit) => hit.id)).toEqual([memory.id]);
  });

  test('reports a missing argument', async () => {
    const run = await inspect(home, toolCall('get_memory', {}));
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('Invalid argument "id" for get_memory');
  });
});

import { createHome, type MemoryJson, parseJson, removeHome, runCli } from './helpers';

describe('mem0 update', () => {
  let home: string;
  let id: string;

  beforeAll(async () => {
    home = createHome('update-changes');
    const added = await runCli(
      ['add', 'Rotate the keys', '--tag', 'ops', '--meta', 'owner=ana', '--json'],
      { home },
    );
    id = parseJson<MemoryJson>(added.stdout).id;
  });

  afterAll(() => {
    removeHome(home);
  });

  test('says when nothing changed', async () => {
    const same = await runCli(['update', id, 'Rotate the keys'], { home });

    expect(same.code).toBe(0);
    expect(same.stdout.split('\n')[0]).toBe(
      `No change: ${id} already has these values (version 1).`,
    );
  });

  test('clears tags and metadata', async () => {
    const cleared = await runCli(['update', id, '--clear-tags', '--clear-meta', '--json'], {
      home,
    });
    const memory = parseJson<MemoryJson>(cleared.stdout);

    expect([memory.tags, memory.metadata, memory.version]).toEqual([[], {}, 2]);
    expect(memory.content).toBe('Rotate the keys');
  });

  test('rejects clearing and setting tags at once', async () => {
    const both = await runCli(['update', id, '--clear-tags', '--tag', 'x'], { home });

    expect(both.code).toBe(2);
    expect(both.stderr).toContain("option '--clear-tags' cannot be used with option '-t, --tag");
  });
});

import {
  type AddJson,
  createHome,
  isoTimestampPattern,
  type MemoryJson,
  parseJson,
  removeHome,
  type RevisionJson,
  runCli,
  type SearchHitJson,
  ulidPattern,
} from './helpers';

/** Check the fields that every memory object printed with --json must carry. */
function expectMemoryShape(memory: MemoryJson): void {
  expect(memory.id).toMatch(ulidPattern);
  expect(typeof memory.content).toBe('string');
  expect(typeof memory.context).toBe('string');
  expect(Array.isArray(memory.tags)).toBe(true);
  expect(typeof memory.metadata).toBe('object');
  expect(memory.metadata).not.toBeNull();
  expect(Array.isArray(memory.metadata)).toBe(false);
  expect(memory.createdAt).toMatch(isoTimestampPattern);
  expect(memory.updatedAt).toMatch(isoTimestampPattern);
}

describe('--json output', () => {
  let home: string;
  let added: AddJson;

  beforeAll(async () => {
    home = createHome('json');
    const result = await runCli(
      [
        'add',
        'Rotate the API keys every 90 days',
        '-c',
        'security',
        '-t',
        'Keys',
        '-t',
        'ops',
        '-m',
        'owner=ana',
        '-m',
        'days=90',
        '--json',
      ],
      { home },
    );
    added = parseJson<AddJson>(result.stdout);
  });

  afterAll(() => {
    removeHome(home);
  });

  it('add prints one memory with created', async () => {
    const result = await runCli(['add', 'Backups run at midnight', '--json'], { home });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');

    const memory = parseJson<AddJson>(result.stdout);
    expectMemoryShape(memory);
    expect(memory.created).toBe(true);
    expect(memory.content).toBe('Backups run at midnight');
    expect(memory.context).toBe('default');
    expect(memory.tags).toEqual([]);
    expect(memory.metadata).toEqual({});
  });

  it('add stores context, tags and metadata', () => {
    expectMemoryShape(added);
    expect(added.created).toBe(true);
    expect(added.context).toBe('security');
    // Tags are lower-cased and sorted.
    expect(added.tags).toEqual(['keys', 'ops']);
    expect(added.metadata).toEqual({ owner: 'ana', days: 90 });
    expect(added.createdAt).toBe(added.updatedAt);
  });

  it('get prints the same memory', async () => {
    const result = await runCli(['get', added.id, '--json'], { home });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');

    const memory = parseJson<MemoryJson>(result.stdout);
    expectMemoryShape(memory);
    expect(memory.id).toBe(added.id);
    expect(memory.content).toBe(added.content);
    expect(memory.tags).toEqual(added.tags);
    expect(memory.metadata).toEqual(added.metadata);
    expect(memory.createdAt).toBe(added.createdAt);
    expect(memory).not.toHaveProperty('created');
  });

  it('get accepts a lower-case id', async () => {
    const result = await runCli(['get', added.id.toLowerCase(), '--json'], { home });

    expect(result.code).toBe(0);
    expect(parseJson<MemoryJson>(result.stdout).id).toBe(added.id);
  });

  it('list prints an array of memories', async () => {
    const result = await runCli(['list', '--json'], { home });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');

    const memories = parseJson<MemoryJson[]>(result.stdout);
    expect(Array.isArray(memories)).toBe(true);
    expect(memories.length).toBeGreaterThanOrEqual(2);
    memories.forEach(expectMemoryShape);
    expect(memories.map((memory) => memory.id)).toContain(added.id);
  });

  it('list on an empty store prints []', async () => {
    const emptyHome = createHome('json-empty');
    try {
      const result = await runCli(['list', '--json'], { home: emptyHome });

      expect(result.code).toBe(0);
      expect(parseJson(result.stdout)).toEqual([]);
    } finally {
      removeHome(emptyHome);
    }
  });

  it('search prints hits with score and snippet', async () => {
    const result = await runCli(['search', 'rotate keys', '--json'], { home });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');

    const hits = parseJson<SearchHitJson[]>(result.stdout);
    expect(hits).toHaveLength(1);
    expectMemoryShape(hits[0]!);
    expect(hits[0]!.id).toBe(added.id);
    expect(typeof hits[0]!.score).toBe('number');
    expect(hits[0]!.snippet).toBe('**Rotate** the API **keys** every 90 days');
  });

  it('search without a match prints []', async () => {
    const result = await runCli(['search', 'nonexistentword', '--json'], { home });

    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toEqual([]);
  });

  it('update prints the memory at version 2', async () => {
    const result = await runCli(
      ['update', added.id, 'Rotate the API keys every 60 days', '--json'],
      { home },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');

    const memory = parseJson<MemoryJson>(result.stdout);
    expectMemoryShape(memory);
    expect(memory.id).toBe(added.id);
    expect(memory.content).toBe('Rotate the API keys every 60 days');
    expect(memory.version).toBe(2);
    expect(memory.createdAt).toBe(added.createdAt);
    expect(memory.updatedAt >= added.updatedAt).toBe(true);
    // Only the content changed, so context, tags and metadata stay.
    expect(memory.context).toBe('security');
    expect(memory.tags).toEqual(['keys', 'ops']);
    expect(memory.metadata).toEqual({ owner: 'ana', days: 90 });
  });

  it('history prints an array of revisions', async () => {
    const result = await runCli(['history', added.id, '--json'], { home });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');

    const revisions = parseJson<RevisionJson[]>(result.stdout);
    expect(revisions.map((revision) => revision.version)).toEqual([1, 2]);
    expect(revisions.map((revision) => revision.operation)).toEqual(['create', 'update']);
    expect(revisions[0]!.memoryId).toBe(added.id);
    expect(revisions[0]!.content).toBe('Rotate the API keys every 90 days');
    expect(revisions[1]!.content).toBe('Rotate the API keys every 60 days');
    expect(revisions[1]!.createdAt).toMatch(isoTimestampPattern);
  });

  it('contexts prints names with counts', async () => {
    const result = await runCli(['contexts', '--json'], { home });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');

    const contexts = parseJson<
      { name: string; memoryCount: number; lastUpdatedAt: string | null }[]
    >(result.stdout);
    const byName = new Map(contexts.map((context) => [context.name, context]));
    expect(byName.get('security')?.memoryCount).toBe(1);
    expect(byName.get('default')?.memoryCount).toBe(1);
    expect(byName.get('security')?.lastUpdatedAt).toMatch(isoTimestampPattern);
  });

  it('delete prints the deleted memory', async () => {
    const created = parseJson<AddJson>(
      (await runCli(['add', 'A note to delete', '--json'], { home })).stdout,
    );

    const result = await runCli(['delete', created.id, '--yes', '--json'], { home });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');

    const memory = parseJson<MemoryJson>(result.stdout);
    expectMemoryShape(memory);
    expect(memory.id).toBe(created.id);
  });

  it('error under --json leaves stdout empty', async () => {
    const result = await runCli(['get', '01JF8ZP6V7G1WQK3M4N5R6S7T8', '--json'], { home });

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: /);
  });
});

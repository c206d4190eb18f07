import {
  addMemory,
  createHome,
  listJson,
  type MemoryJson,
  parseJson,
  removeHome,
  type RevisionJson,
  runCli,
} from './helpers';

let home: string;

beforeAll(() => {
  home = createHome('lifecycle');
});

afterAll(() => {
  removeHome(home);
});

describe('add duplicate', () => {
  let original: MemoryJson;

  beforeAll(async () => {
    original = await addMemory(home, ['café au lait', '--context', 'drinks']);
  });

  it('same text returns the existing memory', async () => {
    const again = await addMemory(home, ['café au lait', '--context', 'drinks']);

    expect(again.created).toBe(false);
    expect(again.id).toBe(original.id);
  });

  it('extra whitespace counts as the same text', async () => {
    const again = await addMemory(home, ['  café \t au\n\nlait  ', '--context', 'drinks']);

    expect(again.created).toBe(false);
    expect(again.id).toBe(original.id);
  });

  it('decomposed accent counts as the same text', async () => {
    // "cafe" followed by U+0301 COMBINING ACUTE ACCENT, which NFC turns into "café".
    const again = await addMemory(home, ['cafe\u0301 au lait', '--context', 'drinks']);

    expect(again.created).toBe(false);
    expect(again.id).toBe(original.id);
  });

  it('same text from stdin is a duplicate', async () => {
    const again = await addMemory(home, ['--context', 'drinks'], 'café au lait\n');

    expect(again.created).toBe(false);
    expect(again.id).toBe(original.id);
  });

  it('human output names the existing id', async () => {
    const result = await runCli(['add', 'café au lait', '--context', 'drinks'], { home });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `Already stored as ${original.id} in drinks; nothing was added.`,
    );
  });

  it('duplicates leave one stored memory', async () => {
    const memories = await listJson(home, ['list', '--context', 'drinks']);

    expect(memories.map((memory) => memory.id)).toEqual([original.id]);
  });

  it('same text in another context is new', async () => {
    const other = await addMemory(home, ['café au lait', '--context', 'menu']);

    expect(other.created).toBe(true);
    expect(other.id).not.toBe(original.id);
  });

  it('different letter case is new', async () => {
    const other = await addMemory(home, ['Café au lait', '--context', 'drinks']);

    expect(other.created).toBe(true);
    expect(other.id).not.toBe(original.id);
  });
});

describe('update, delete and history', () => {
  let memory: MemoryJson;

  beforeAll(async () => {
    memory = await addMemory(home, ['The deploy window is Tuesday', '-t', 'deploy']);
  });

  it('update creates version 2', async () => {
    const result = await runCli(['update', memory.id, 'The deploy window is Thursday'], { home });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Updated ${memory.id} to version 2.`);
    expect(result.stdout).toContain('The deploy window is Thursday');
  });

  it('get shows the new content', async () => {
    const result = await runCli(['get', memory.id, '--json'], { home });
    const current = parseJson<MemoryJson>(result.stdout);

    expect(current.content).toBe('The deploy window is Thursday');
    expect(current.version).toBe(2);
    expect(current.tags).toEqual(['deploy']);
  });

  it('search finds only the new text', async () => {
    const oldWord = await listJson(home, ['search', 'Tuesday']);
    const newWord = await listJson(home, ['search', 'Thursday']);

    expect(oldWord).toEqual([]);
    expect(newWord.map((hit) => hit.id)).toEqual([memory.id]);
  });

  it('history shows create then update', async () => {
    const result = await runCli(['history', memory.id], { home });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^v1 create .*\n {4}The deploy window is Tuesday\n/);
    expect(result.stdout).toMatch(/\nv2 update .*\n {4}The deploy window is Thursday\n$/);
  });

  it('update of tags only keeps the content', async () => {
    const result = await runCli(['update', memory.id, '--tag', 'release', '--json'], { home });
    const updated = parseJson<MemoryJson>(result.stdout);

    expect(result.code).toBe(0);
    expect(updated.version).toBe(3);
    expect(updated.tags).toEqual(['release']);
    expect(updated.content).toBe('The deploy window is Thursday');
  });

  it('update with the same text keeps the version', async () => {
    const result = await runCli(['update', memory.id, 'The deploy window is Thursday', '--json'], {
      home,
    });

    expect(result.code).toBe(0);
    expect(parseJson<MemoryJson>(result.stdout).version).toBe(3);
  });

  it('delete --yes removes the memory', async () => {
    const result = await runCli(['delete', memory.id, '--yes'], { home });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Deleted ${memory.id}.`);
  });

  it('get after delete exits with 1', async () => {
    const result = await runCli(['get', memory.id], { home });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^error: No memory with id ${memory.id}\\.`));
  });

  it('history after delete ends with delete', async () => {
    const revisions = await listJson<RevisionJson>(home, ['history', memory.id]);

    expect(revisions.map((revision) => revision.operation)).toEqual([
      'create',
      'update',
      'update',
      'delete',
    ]);
    expect(revisions.map((revision) => revision.version)).toEqual([1, 2, 3, 4]);
    expect(revisions[3]!.content).toBe('The deploy window is Thursday');
  });

  it('search after delete finds nothing', async () => {
    expect(await listJson(home, ['search', 'Thursday'])).toEqual([]);
  });

  it('add after delete stores the text again', async () => {
    const again = await addMemory(home, ['The deploy window is Thursday']);

    expect(again.created).toBe(true);
    expect(again.id).not.toBe(memory.id);
  });
});

describe('delete without --yes', () => {
  it('non-terminal stdin deletes without asking', async () => {
    const memory = await addMemory(home, ['Delete me from a pipe']);

    // stdin is a pipe with text on it, not a terminal, so there is no prompt to answer.
    const result = await runCli(['delete', memory.id], { home, input: 'n\n' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Deleted ${memory.id}.`);

    const get = await runCli(['get', memory.id], { home });
    expect(get.code).toBe(1);

    const revisions = await listJson<RevisionJson>(home, ['history', memory.id]);
    expect(revisions.map((revision) => revision.operation)).toEqual(['create', 'delete']);
  });

  it('rm alias deletes', async () => {
    const memory = await addMemory(home, ['Delete me with rm']);

    const result = await runCli(['rm', memory.id], { home });
    expect(result.code).toBe(0);

    const get = await runCli(['get', memory.id], { home });
    expect(get.code).toBe(1);
  });

  it('second delete exits with 1', async () => {
    const memory = await addMemory(home, ['Delete me twice']);
    await runCli(['delete', memory.id, '--yes'], { home });

    const result = await runCli(['delete', memory.id, '--yes'], { home });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: No memory with id/);
  });
});

describe('text from stdin', () => {
  it('add reads the text from stdin', async () => {
    const memory = await addMemory(
      home,
      ['--context', 'piped', '--tag', 'stdin'],
      'Text that came through a pipe\n',
    );

    expect(memory.created).toBe(true);
    expect(memory.content).toBe('Text that came through a pipe');
    expect(memory.context).toBe('piped');
    expect(memory.tags).toEqual(['stdin']);
  });

  it('add keeps the lines of stdin text', async () => {
    const memory = await addMemory(home, [], 'first line\nsecond line\n');

    expect(memory.content).toBe('first line\nsecond line');
  });

  it('add reads UTF-8 from stdin', async () => {
    const memory = await addMemory(home, [], 'naïve 数据库 🚀\n');

    expect(memory.content).toBe('naïve 数据库 🚀');
  });

  it('add prefers arguments over stdin', async () => {
    const result = await runCli(['add', 'from the arguments', '--json'], {
      home,
      input: 'from stdin',
    });

    expect(parseJson<MemoryJson>(result.stdout).content).toBe('from the arguments');
  });

  it('search finds text added from stdin', async () => {
    const hits = await listJson(home, ['search', 'pipe']);

    expect(hits.map((hit) => hit.content)).toContain('Text that came through a pipe');
  });

  it('update reads the new text from stdin', async () => {
    const memory = await addMemory(home, ['Old text for stdin update']);

    const result = await runCli(['update', memory.id, '--json'], {
      home,
      input: 'New text from stdin\n',
    });
    const updated = parseJson<MemoryJson>(result.stdout);

    expect(result.code).toBe(0);
    expect(updated.content).toBe('New text from stdin');
    expect(updated.version).toBe(2);
  });
});

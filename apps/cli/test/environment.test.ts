import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  addMemory,
  ansiColourPattern,
  ansiEscapePattern,
  type CliResult,
  createHome,
  listJson,
  mapConcurrently,
  removeHome,
  runCli,
  runInTerminal,
  stackLinePattern,
  terminalAvailable,
} from './helpers';

describe('MEM0_HOME', () => {
  let root: string;

  beforeAll(() => {
    root = createHome('env');
  });

  afterAll(() => {
    removeHome(root);
  });

  it('holds the database file', async () => {
    const home = join(root, 'plain');
    await addMemory(home, ['Stored under MEM0_HOME']);

    expect(existsSync(join(home, 'mem0.db'))).toBe(true);
  });

  it('missing directories are created', async () => {
    const home = join(root, 'nested', 'deeper', 'home');
    await addMemory(home, ['Stored in a new directory']);

    expect(existsSync(join(home, 'mem0.db'))).toBe(true);
  });

  it('new directory is private to its owner', async () => {
    const home = join(root, 'private');
    await addMemory(home, ['Stored in a private directory']);

    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, 'mem0.db')).mode & 0o777).toBe(0o600);
  });

  it('two homes keep separate memories', async () => {
    const first = join(root, 'first');
    const second = join(root, 'second');
    await addMemory(first, ['Only in the first home']);
    await addMemory(second, ['Only in the second home']);

    const firstList = await listJson(first, ['list']);
    const secondList = await listJson(second, ['list']);
    expect(firstList.map((memory) => memory.content)).toEqual(['Only in the first home']);
    expect(secondList.map((memory) => memory.content)).toEqual(['Only in the second home']);
  });

  it('relative path resolves against the working directory', async () => {
    const cwd = join(root, 'cwd');
    mkdirSync(cwd);
    const result = await runCli(['add', 'Stored under a relative home'], {
      home: 'relative-home',
      cwd,
    });

    expect(result.code).toBe(0);
    expect(existsSync(join(cwd, 'relative-home', 'mem0.db'))).toBe(true);
  });

  it('unset MEM0_HOME uses XDG_DATA_HOME', async () => {
    const dataHome = join(root, 'xdg');
    const result = await runCli(['add', 'Stored under XDG_DATA_HOME'], {
      env: { XDG_DATA_HOME: dataHome, HOME: join(root, 'unused-home') },
    });

    expect(result.code).toBe(0);
    expect(existsSync(join(dataHome, 'mem0', 'mem0.db'))).toBe(true);
  });

  it('home under a regular file exits with 1', async () => {
    const file = join(root, 'regular-file');
    writeFileSync(file, 'not a directory');
    const result = await runCli(['list'], { home: join(file, 'home') });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*MEM0_HOME/);
    expect(result.stderr).not.toMatch(stackLinePattern);
  });
});

describe('output without colour', () => {
  let home: string;
  let id: string;

  const commands: [string, () => string[]][] = [
    ['add', () => ['add', 'Another colourless line', '-t', 'colour']],
    ['duplicate add', () => ['add', 'Colourless output check', '-c', 'ui']],
    ['search', () => ['search', 'colourless']],
    ['list', () => ['list']],
    ['get', () => ['get', id]],
    ['history', () => ['history', id]],
    ['contexts', () => ['contexts']],
    ['update', () => ['update', id, '--tag', 'colour', '--tag', 'plain']],
    ['error', () => ['get', 'not-an-id']],
    ['usage error', () => ['list', '--bogus']],
  ];
  const withNoColor = new Map<string, CliResult>();
  const withoutNoColor = new Map<string, CliResult>();

  beforeAll(async () => {
    home = createHome('colour');
    id = (
      await addMemory(home, ['Colourless output check', '-c', 'ui', '-t', 'colour', '-m', 'k=v'])
    ).id;

    await mapConcurrently(
      commands.flatMap(([name, args]) => [
        { name, args: args(), env: {}, into: withNoColor },
        { name, args: args(), env: { NO_COLOR: undefined }, into: withoutNoColor },
      ]),
      async (run) => run.into.set(run.name, await runCli(run.args, { home, env: run.env })),
    );
  });

  afterAll(() => {
    removeHome(home);
  });

  it.each(commands)('NO_COLOR %s has no ANSI codes', (name) => {
    const result = withNoColor.get(name)!;

    expect(result.stdout + result.stderr).not.toBe('');
    expect(result.stdout).not.toMatch(ansiEscapePattern);
    expect(result.stderr).not.toMatch(ansiEscapePattern);
  });

  it.each(commands)('pipe without NO_COLOR %s has no ANSI codes', (name) => {
    const result = withoutNoColor.get(name)!;

    expect(result.stdout + result.stderr).not.toBe('');
    expect(result.stdout).not.toMatch(ansiEscapePattern);
    expect(result.stderr).not.toMatch(ansiEscapePattern);
  });

  // A control for the two checks above: forced colour must show up, or the pattern is wrong.
  it('FORCE_COLOR adds ANSI codes', async () => {
    const result = await runCli(['search', 'colourless'], {
      home,
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(ansiEscapePattern);
  });
});

// These run the CLI on a pseudo-terminal, where colour and the delete prompt are enabled.
(terminalAvailable ? describe : describe.skip)('output on a terminal', () => {
  let home: string;

  beforeAll(async () => {
    home = createHome('terminal');
    await addMemory(home, ['Shown on a terminal', '-t', 'tty']);
  });

  afterAll(() => {
    removeHome(home);
  });

  it('colours list without NO_COLOR', async () => {
    const result = await runInTerminal(['list'], { home, env: { NO_COLOR: undefined } });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(ansiColourPattern);
  });

  it('NO_COLOR turns colour off', async () => {
    const result = await runInTerminal(['list'], { home });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Shown on a terminal');
    expect(result.stdout).not.toMatch(ansiEscapePattern);
  });

  it('empty NO_COLOR keeps colour on', async () => {
    const result = await runInTerminal(['list'], { home, env: { NO_COLOR: '' } });

    expect(result.stdout).toMatch(ansiColourPattern);
  });

  it('TERM=dumb turns colour off', async () => {
    const result = await runInTerminal(['search', 'terminal'], {
      home,
      env: { NO_COLOR: undefined, TERM: 'dumb' },
    });

    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(ansiEscapePattern);
  });

  it('NO_COLOR error line has no ANSI codes', async () => {
    const result = await runInTerminal(['get', 'not-an-id'], { home });

    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^error: /);
    expect(result.stdout).not.toMatch(ansiEscapePattern);
  });
});

(terminalAvailable ? describe : describe.skip)('delete on a terminal', () => {
  let home: string;

  beforeAll(() => {
    home = createHome('terminal-delete');
  });

  afterAll(() => {
    removeHome(home);
  });

  it('answer no keeps the memory', async () => {
    const { id } = await addMemory(home, ['Keep me after a no']);

    const result = await runInTerminal(['delete', id], { home, prompt: '(y/N)', answer: 'n\r' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Delete ${id} from default: "Keep me after a no"?`);
    expect(result.stdout).toContain('Nothing was deleted.');

    const get = await runCli(['get', id], { home });
    expect(get.code).toBe(0);
  });

  it('answer yes deletes the memory', async () => {
    const { id } = await addMemory(home, ['Delete me after a yes']);

    const result = await runInTerminal(['delete', id], { home, prompt: '(y/N)', answer: 'y\r' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Deleted ${id}.`);

    const get = await runCli(['get', id], { home });
    expect(get.code).toBe(1);
  });

  it('--yes deletes without asking', async () => {
    const { id } = await addMemory(home, ['Delete me without a question']);

    const result = await runInTerminal(['delete', id, '--yes'], { home });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('(y/N)');
    expect(result.stdout).toContain(`Deleted ${id}.`);
  });

  it('unknown id fails before asking', async () => {
    const result = await runInTerminal(['delete', '01JF8ZP6V7G1WQK3M4N5R6S7T8'], { home });

    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('(y/N)');
    expect(result.stdout).toMatch(/error: No memory with id/);
  });
});

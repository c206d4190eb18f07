// Every memory command against a team server, through a profile whose session is kept in the
// opt-in credentials file (the keychain tests cover the OS keychain), and through MEM0_SERVER
// with MEM0_API_KEY.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  type AddJson,
  createHome,
  type ImportSummaryJson,
  type MemoryJson,
  outputLines,
  parseJson,
  removeHome,
  type RevisionJson,
  runCli,
  type SearchHitJson,
  stackLinePattern,
} from './helpers';
import { OutputLog, readCredentialsFile, runWithAnswers } from './team-helpers';
import {
  createApiKey,
  registerAccount,
  startTeamServer,
  type TeamServer,
  testPassword,
} from './team-server';

const outputs = new OutputLog();

describe('memory commands in team mode', () => {
  let server: TeamServer;
  let home: string;
  let profile: string;

  beforeAll(async () => {
    server = await startTeamServer();
    profile = new URL(server.url).host;
    await registerAccount(server.url, 'ana@example.com');
    home = createHome('team-commands');

    // The session is kept in the credentials file, so this file needs no keychain.
    const login = await runWithAnswers(
      ['login', server.url, '--insecure-storage'],
      { email: 'ana@example.com', password: testPassword },
      { home, env: { DBUS_SESSION_BUS_ADDRESS: undefined } },
    );
    outputs.recordText('login', login.output);
    if (login.code !== 0) {
      throw new Error(`login failed: ${login.output}`);
    }
  });

  afterAll(async () => {
    await server.close();
    removeHome(home);
  });

  const cli = async (args: string[], input?: string) =>
    outputs.record(args.slice(0, 2).join(' '), await runCli(args, { home, input }));

  const json = async <T>(args: string[], input?: string): Promise<T> => {
    const result = await cli([...args, '--json'], input);
    if (result.code !== 0) {
      throw new Error(`mem0 ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
    }
    return parseJson<T>(result.stdout);
  };

  /** The memories the server stores for the account, read from PostgreSQL. */
  const serverContents = async () =>
    (await server.query<{ content: string }>('SELECT content FROM memories ORDER BY content')).map(
      (row) => row.content,
    );

  let first: AddJson;

  it('add stores on the server', async () => {
    first = await json<AddJson>([
      'add',
      'Deploys freeze on Fridays',
      '--context',
      'ops',
      '--tag',
      'deploy',
      '--meta',
      'priority=2',
    ]);

    expect(first.created).toBe(true);
    expect(first).toMatchObject({
      content: 'Deploys freeze on Fridays',
      context: 'ops',
      tags: ['deploy'],
      metadata: { priority: 2 },
      source: 'cli',
      version: 1,
    });
    expect(await serverContents()).toEqual(['Deploys freeze on Fridays']);
  });

  it('add reads stdin and reports duplicates', async () => {
    const fromStdin = await json<AddJson>(
      ['add', '--context', 'ops'],
      'Staging resets on Sunday\n',
    );
    expect(fromStdin.created).toBe(true);

    const again = await cli(['add', 'Deploys freeze on Fridays', '--context', 'ops']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Already stored as ${first.id} in ops; nothing was added.`);
  });

  it('search finds ranked hits', async () => {
    const hits = await json<SearchHitJson[]>(['search', 'friday deploys']);

    expect(hits.map((hit) => hit.id)).toEqual([first.id]);
    expect(hits[0]!.snippet).toContain('**');
    expect(hits[0]!.score).toBeGreaterThan(0);
  });

  it('list filters by tag and context', async () => {
    const tagged = await json<MemoryJson[]>(['list', '--tag', 'deploy']);
    expect(tagged.map((memory) => memory.id)).toEqual([first.id]);

    const ops = await json<MemoryJson[]>(['list', '--context', 'ops']);
    expect(ops.map((memory) => memory.content)).toEqual([
      'Staging resets on Sunday',
      'Deploys freeze on Fridays',
    ]);
  });

  it('get shows one memory', async () => {
    const memory = await json<MemoryJson>(['get', first.id]);
    expect(memory.content).toBe('Deploys freeze on Fridays');

    const human = await cli(['get', first.id]);
    expect(human.stdout).toContain('Deploys freeze on Fridays');
  });

  it('get of an unknown id fails cleanly', async () => {
    const result = await cli(['get', '01JF8ZP6V7G1WQK3M4N5R6S7T8']);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr).not.toMatch(stackLinePattern);
  });

  it('update changes text and tags', async () => {
    const updated = await json<MemoryJson>([
      'update',
      first.id,
      'Deploys freeze on Fridays after 15:00',
      '--tag',
      'deploy',
      '--tag',
      'policy',
    ]);

    expect(updated.version).toBe(2);
    expect(updated.tags).toEqual(['deploy', 'policy']);
    expect(await serverContents()).toContain('Deploys freeze on Fridays after 15:00');
  });

  it('contexts counts memories', async () => {
    const contexts = await json<{ name: string; memoryCount: number }[]>(['contexts']);
    const ops = contexts.find((context) => context.name === 'ops');

    expect(ops?.memoryCount).toBe(2);
  });

  it('delete then history keeps versions', async () => {
    const deleted = await cli(['delete', first.id, '--yes']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`Deleted ${first.id}`);
    expect(await serverContents()).toEqual(['Staging resets on Sunday']);

    const revisions = await json<RevisionJson[]>(['history', first.id]);
    expect(revisions.map((revision) => [revision.version, revision.operation])).toEqual([
      [1, 'create'],
      [2, 'update'],
      [3, 'delete'],
    ]);
  });

  it('export writes JSON Lines', async () => {
    const result = await cli(['export']);
    expect(result.code).toBe(0);
    const lines = outputLines(result.stdout).map((line) => parseJson<MemoryJson>(line));
    expect(lines.map((line) => line.content)).toEqual(['Staging resets on Sunday']);

    const file = join(home, 'export.jsonl');
    const toFile = await cli(['export', '--output', file]);
    expect(toFile.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(result.stdout);
  });

  it('import adds, then counts duplicates', async () => {
    const file = join(home, 'import.jsonl');
    writeFileSync(
      file,
      [
        '{"content":"Imported one","context":"imported","tags":["x"]}',
        '{"content":"Imported two","context":"imported"}',
        '{"context":"no content"}',
      ].join('\n') + '\n',
    );

    const firstRun = await cli(['import', file, '--json']);
    expect(firstRun.code).toBe(1);
    const summary = parseJson<ImportSummaryJson>(firstRun.stdout);
    expect(summary).toMatchObject({ lines: 3, added: 2, duplicate: 0, rejected: 1 });
    expect(summary.rejects.map((reject) => reject.line)).toEqual([3]);

    const secondRun = parseJson<ImportSummaryJson>((await cli(['import', file, '--json'])).stdout);
    expect(secondRun).toMatchObject({ added: 0, duplicate: 2, rejected: 1 });
    expect(await serverContents()).toEqual([
      'Imported one',
      'Imported two',
      'Staging resets on Sunday',
    ]);
  });

  it('local store stays untouched', async () => {
    const local = await cli(['list', '--profile', 'local', '--json']);

    expect(local.code).toBe(0);
    expect(parseJson<MemoryJson[]>(local.stdout)).toEqual([]);
  });

  it('session is kept in the credentials file', () => {
    const stored = readCredentialsFile(home)[profile];

    expect(stored?.kind).toBe('session');
    expect(stored?.refreshToken).toMatch(/^m0r_/);
    expect(outputs.containing(String(stored?.refreshToken))).toEqual([]);
    expect(outputs.containing(testPassword)).toEqual([]);
  });
});

describe('MEM0_SERVER with MEM0_API_KEY', () => {
  let server: TeamServer;
  let home: string;
  let writeKey: string;
  let readKey: string;

  beforeAll(async () => {
    server = await startTeamServer();
    const account = await registerAccount(server.url, 'ben@example.com');
    writeKey = (await createApiKey(server.url, account.accessToken, 'write')).key;
    readKey = (await createApiKey(server.url, account.accessToken, 'read')).key;
    home = createHome('team-environment');
  });

  afterAll(async () => {
    await server.close();
    removeHome(home);
  });

  const withKey = (key: string) => ({ MEM0_SERVER: server.url, MEM0_API_KEY: key });

  it('write key adds and searches', async () => {
    const added = await runCli(['add', 'Written with an API key', '--json'], {
      home,
      env: withKey(writeKey),
    });
    expect(added.code).toBe(0);
    expect(parseJson<AddJson>(added.stdout).created).toBe(true);

    const found = await runCli(['search', 'api key', '--json'], { home, env: withKey(readKey) });
    expect(parseJson<SearchHitJson[]>(found.stdout).map((hit) => hit.content)).toEqual([
      'Written with an API key',
    ]);
    expect(existsSync(join(home, 'mem0.db'))).toBe(false);
    expect(existsSync(join(home, 'config.json'))).toBe(false);
  });

  it('read key cannot add', async () => {
    const result = await runCli(['add', 'Not allowed'], { home, env: withKey(readKey) });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*(scope|write|read)/i);
    expect(result.stderr).not.toContain(readKey);
  });

  it('wrong key is rejected', async () => {
    const wrongKey = `m0k_${'A'.repeat(43)}`;
    const result = await runCli(['list'], { home, env: withKey(wrongKey) });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr).not.toContain(wrongKey);
  });
});

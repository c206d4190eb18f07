import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { runCli, runInTerminal } from './helpers.js';

describe('edge cases of paths, dates and filters', () => {
  let home: string;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'mem0-cli-edges-'));
  });

  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('export to a directory names it', async () => {
    const result = await runCli(['export', '--output', home], { home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--output ${home} is a directory`);
  });

  it('export to a missing directory names the path', async () => {
    const target = join(home, 'missing', 'out.jsonl');
    const result = await runCli(['export', '--output', target], { home });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${target}: no such file or directory`);
    expect(result.stderr).not.toContain('.tmp');
  });

  it('MEM0_HOME that is a file is reported', async () => {
    const file = join(home, 'a-file');
    writeFileSync(file, 'x');
    const result = await runCli(['list'], { home: file });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Set MEM0_HOME to a directory/);
    expect(result.stderr).not.toMatch(/unexpected/);
  });

  it('database of another program is left alone', async () => {
    const foreign = new Database(join(home, 'mem0.db'));
    foreign.exec('CREATE TABLE memories (x TEXT)');
    foreign.close();

    const result = await runCli(['list'], { home });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/database of another program/);
  });

  it.each(['2027-02-30', '2027-04-31'])('impossible date %s is rejected', async (date) => {
    const result = await runCli(['add', 'x', '--expires', date], { home });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is neither a date nor a duration/);
  });

  it('date-time without zone is UTC', async () => {
    const result = await runCli(['add', 'x', '--expires', '2099-01-01 10:00', '--json'], {
      home,
      env: { TZ: 'America/New_York' },
    });
    expect(JSON.parse(result.stdout).expiresAt).toBe('2099-01-01T10:00:00.000Z');
  });

  it('expiry and no expiry together are rejected', async () => {
    const added = await runCli(['add', 'x', '--json'], { home });
    const { id } = JSON.parse(added.stdout) as { id: string };
    const result = await runCli(['update', id, '--expires', '30d', '--no-expiry'], { home });
    expect(result.code).toBe(2);
  });

  it('empty filtered list says no match', async () => {
    await runCli(['add', 'x'], { home });
    const result = await runCli(['list', '--tag', 'absent'], { home });
    expect(result.stdout).toContain('No memories match these filters.');
  });

  it('unknown option hints at --', async () => {
    const result = await runCli(['search', '-unix'], { home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mem0 search -- -text');
  });

  it('login checks the server before asking', async () => {
    // Port 1 on the loopback address has no server, so the connection is refused at once.
    const result = await runInTerminal(['login', 'http://127.0.0.1:1/v1', '--insecure-storage'], {
      home,
      timeoutMs: 20_000,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('http://127.0.0.1:1');
    expect(result.stdout).not.toContain('/v1');
    expect(result.stdout).not.toMatch(/email/i);
  });

  it('no -- hint for commands without text', async () => {
    const result = await runCli(['export', '--json'], { home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--json'");
    expect(result.stderr).not.toContain('mem0 search -- -text');
  });

  it('MEM0_HOME with ~ expands to the home directory', async () => {
    const result = await runCli(['add', 'tilde'], { env: { MEM0_HOME: '~/store', HOME: home } });
    expect(result.code).toBe(0);
    expect(existsSync(join(home, 'store', 'mem0.db'))).toBe(true);
  });

  it('import rejects a creation time in the future', async () => {
    const file = join(home, 'future.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ content: 'later', createdAt: '2099-01-01T00:00:00Z' })}\n`,
    );
    const result = await runCli(['import', file], { home });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/line 1: .*createdAt .* is more than a day ahead of this clock/);
  });

  it('import reads a named pipe', async () => {
    const fifo = join(home, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reading = runCli(['import', fifo, '--json'], { home });
    writeFileSync(fifo, `${JSON.stringify({ content: 'through a pipe' })}\n`);
    const result = await reading;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ added: 1 });
  });

  it('export creates no file on failure', async () => {
    mkdirSync(join(home, 'out'));
    const target = join(home, 'out', 'x.jsonl');
    const result = await runCli(['export', '--output', target, '--context', 'missing'], { home });
    expect(result.code).toBe(1);
    expect(existsSync(target)).toBe(false);
  });
});

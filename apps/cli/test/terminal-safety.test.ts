import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runCli } from './helpers.js';

describe('output of stored control characters', () => {
  let home: string;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'mem0-cli-safety-'));
  });

  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('shows escape sequences instead of sending them', async () => {
    const content = 'colour \u001b[31mred\u001b[0m and bell \u0007 here';
    const added = await runCli(['add', '--json', content], { home });
    const { id } = JSON.parse(added.stdout) as { id: string };

    for (const args of [['get', id], ['list'], ['search', 'colour'], ['history', id]]) {
      const result = await runCli(args, { home });
      expect(result.code).toBe(0);
      // eslint-disable-next-line no-control-regex -- the test looks for raw control characters.
      expect(result.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(result.stdout).toContain('␛[31m');
    }
  });

  it('keeps control characters in JSON output', async () => {
    const content = 'escape \u001b[1m inside';
    const added = await runCli(['add', '--json', content], { home });
    expect((JSON.parse(added.stdout) as { content: string }).content).toBe(content);
  });
});

describe('import of a large file', () => {
  let home: string;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'mem0-cli-large-'));
  });

  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('reads every line of a file larger than one read chunk', async () => {
    // Several read chunks (64 KiB each): the first ones were once lost to a progress listener.
    const lines = Array.from({ length: 5_000 }, (_, i) =>
      JSON.stringify({ content: `line ${i} ${'padding words '.repeat(4)}`, context: 'bulk' }),
    );
    const file = join(home, 'large.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const result = await runCli(['import', '--json', file], { home });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ lines: 5_000, added: 5_000, rejected: 0 });
  });
});

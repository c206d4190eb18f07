import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  addMemory,
  type CliResult,
  createHome,
  type ImportSummaryJson,
  listJson,
  type MemoryJson,
  outputLines,
  parseJson,
  removeHome,
  runCli,
  stackLinePattern,
} from './helpers';

const presetId = '01JF8ZP6V7G1WQK3M4N5R6S7T8';

/**
 * Lines of an import file that starts with a byte order mark. Lines 1, 2 and 6 are valid.
 * Line 3 is not JSON, line 4 is blank, line 5 has no content, line 7 is an array and line 8
 * has a bad tag. Line 9 repeats the content of line 1 in the same context.
 */
const mixedLines = [
  '\uFEFF{"content":"first line","context":"imported","tags":["x"],"createdAt":"2025-01-10T10:00:00Z"}',
  `{"content":"second line","id":"${presetId}","metadata":{"k":1}}`,
  '{not json',
  '',
  '{"context":"imported"}',
  '{"content":"sixth line"}',
  '[1,2]',
  '{"content":"bad tag","tags":["a b"]}',
  '{"content":"first line","context":"imported"}',
];

// The file uses CRLF line endings.
const fileText = mixedLines.map((line) => `${line}\r\n`).join('');

function writeMixedFile(directory: string): string {
  const file = join(directory, 'mixed.jsonl');
  writeFileSync(file, fileText, 'utf8');
  return file;
}

/** Export a home and return its lines parsed. Throws when export fails. */
async function exportLines(home: string, args: string[] = []): Promise<Record<string, unknown>[]> {
  const result = await runCli(['export', ...args], { home });
  if (result.code !== 0) {
    throw new Error(`mem0 export exited with ${result.code}: ${result.stderr}`);
  }
  return outputLines(result.stdout).map((line) => parseJson<Record<string, unknown>>(line));
}

describe('import of a mixed file', () => {
  let home: string;
  let file: string;
  let first: CliResult;

  beforeAll(async () => {
    home = createHome('import');
    file = writeMixedFile(home);
    first = await runCli(['import', file], { home });
  });

  afterAll(() => {
    removeHome(home);
  });

  it('exits with 1 for rejected lines', () => {
    expect(first.code).toBe(1);
  });

  it('prints the counts', () => {
    expect(first.stdout).toBe('Read 9 lines: 3 added, 1 duplicate, 4 rejected.\n');
  });

  it('names each rejected line on stderr', () => {
    const lines = outputLines(first.stderr);

    expect(lines.map((line) => line.match(/^line (\d+): /)?.[1])).toEqual(['3', '5', '7', '8']);
  });

  it('gives a reason for each rejected line', () => {
    const lines = outputLines(first.stderr);

    expect(lines[0]).toMatch(/^line 3: .*JSON/);
    expect(lines[1]).toMatch(/^line 5: .*content/);
    expect(lines[2]).toMatch(/^line 7: .*object/);
    expect(lines[3]).toMatch(/^line 8: .*tags/);
    expect(first.stderr).not.toMatch(stackLinePattern);
  });

  it('reads the first line despite the BOM', async () => {
    const memories = await listJson(home, ['list', '--context', 'imported']);

    expect(memories.map((memory) => memory.content)).toEqual(['first line']);
  });

  it('keeps the given createdAt', async () => {
    const [memory] = await listJson(home, ['list', '--context', 'imported']);

    expect(memory?.createdAt).toBe('2025-01-10T10:00:00.000Z');
  });

  it('keeps the given id', async () => {
    const result = await runCli(['get', presetId, '--json'], { home });

    expect(result.code).toBe(0);
    expect(parseJson<MemoryJson>(result.stdout).content).toBe('second line');
  });

  it('leaves no carriage return in content', async () => {
    const lines = await exportLines(home);

    expect(lines.map((line) => line.content)).toEqual(['first line', 'second line', 'sixth line']);
  });

  it('makes imported memories searchable', async () => {
    const hits = await listJson(home, ['search', 'sixth']);

    expect(hits.map((hit) => hit.content)).toEqual(['sixth line']);
  });

  it('second run adds nothing', async () => {
    const result = await runCli(['import', file, '--json'], { home });
    expect(result.code).toBe(1);

    const summary = parseJson<ImportSummaryJson>(result.stdout);
    expect(summary.lines).toBe(9);
    expect(summary.added).toBe(0);
    expect(summary.duplicate).toBe(4);
    expect(summary.rejected).toBe(4);
    expect(summary.rejects.map((reject) => reject.line)).toEqual([3, 5, 7, 8]);
  });

  it('second run leaves three memories', async () => {
    expect(await exportLines(home)).toHaveLength(3);
  });
});

describe('import --json', () => {
  let home: string;

  beforeAll(() => {
    home = createHome('import-json');
  });

  afterAll(() => {
    removeHome(home);
  });

  it('prints only the summary object', async () => {
    const result = await runCli(['import', writeMixedFile(home), '--json'], { home });
    expect(result.code).toBe(1);

    const summary = parseJson<ImportSummaryJson>(result.stdout);
    expect(summary).toEqual({
      lines: 9,
      added: 3,
      duplicate: 1,
      rejected: 4,
      rejects: [
        { line: 3, reason: expect.any(String) },
        { line: 5, reason: expect.any(String) },
        { line: 7, reason: expect.any(String) },
        { line: 8, reason: expect.any(String) },
      ],
    });
  });

  it('reads stdin for -', async () => {
    const stdinHome = createHome('import-stdin');
    try {
      const result = await runCli(['import', '-', '--json'], { home: stdinHome, input: fileText });
      const summary = parseJson<ImportSummaryJson>(result.stdout);

      expect(result.code).toBe(1);
      expect(summary.added).toBe(3);
      expect(summary.rejected).toBe(4);
    } finally {
      removeHome(stdinHome);
    }
  });

  it('all-valid input exits with 0', async () => {
    const validHome = createHome('import-valid');
    try {
      const input = '{"content":"valid one"}\n{"content":"valid two","tags":["t"]}\n';
      const result = await runCli(['import', '-', '--json'], { home: validHome, input });

      expect(result.code).toBe(0);
      expect(parseJson<ImportSummaryJson>(result.stdout)).toEqual({
        lines: 2,
        added: 2,
        duplicate: 0,
        rejected: 0,
        rejects: [],
      });
    } finally {
      removeHome(validHome);
    }
  });
});

describe('import of special records', () => {
  let home: string;
  let summary: ImportSummaryJson;
  const uuid = '3F2504E0-4F89-11D3-9A0C-0305E82C3301';

  beforeAll(async () => {
    home = createHome('import-special');
    const lines = [
      { content: 'Record with a UUID id', id: uuid },
      { content: 'Record that expired long ago', expiresAt: '2001-01-01T00:00:00Z' },
      {
        content: 'Record with nested metadata',
        metadata: { owner: { name: 'ana', teams: ['a', 'b'] } },
      },
      { content: 'Record with an unknown source', source: 'telepathy' },
    ];
    const input = lines.map((line) => JSON.stringify(line)).join('\n');
    const result = await runCli(['import', '-', '--json'], { home, input });
    summary = parseJson<ImportSummaryJson>(result.stdout);
  });

  afterAll(() => {
    removeHome(home);
  });

  it('last line without a newline is read', () => {
    expect(summary.lines).toBe(4);
  });

  it('rejects only the unknown source', () => {
    expect(summary.added).toBe(3);
    expect(summary.rejects.map((reject) => reject.line)).toEqual([4]);
  });

  it('keeps a UUID id in lower case', async () => {
    const result = await runCli(['get', uuid, '--json'], { home });

    expect(result.code).toBe(0);
    expect(parseJson<MemoryJson>(result.stdout).id).toBe(uuid.toLowerCase());
  });

  it('keeps nested metadata', async () => {
    const [hit] = await listJson(home, ['search', 'nested']);

    expect(hit?.metadata).toEqual({ owner: { name: 'ana', teams: ['a', 'b'] } });
  });

  it('hides an expired record', async () => {
    const memories = await listJson(home, ['list']);

    expect(memories.map((memory) => memory.content)).not.toContain('Record that expired long ago');
    expect(memories).toHaveLength(2);
  });

  it('export leaves out an expired record', async () => {
    const lines = await exportLines(home);

    expect(lines.map((line) => line.content)).not.toContain('Record that expired long ago');
  });
});

describe('export and import round trip', () => {
  let source: string;
  let target: string;
  let sourceExport: string;

  beforeAll(async () => {
    source = createHome('export-source');
    target = createHome('export-target');

    await addMemory(source, ['Plain note in the default context']);
    await addMemory(source, [
      'Tagged note',
      '-c',
      'work',
      '-t',
      'b',
      '-t',
      'a',
      '-m',
      'priority=3',
      '-m',
      'owner=ana',
    ]);
    await addMemory(source, ['Note that expires', '-c', 'work', '--expires', '30d']);
    await addMemory(source, ['Unicode: café 数据库 🚀 "quotes" and \\ backslash']);
    await addMemory(source, [], 'Line one\nLine two\n');
    const updated = await addMemory(source, ['Note before its update', '-c', 'home']);
    await runCli(['update', updated.id, 'Note after its update'], { home: source });

    const result = await runCli(['export'], { home: source });
    sourceExport = result.stdout;
  });

  afterAll(() => {
    removeHome(source);
    removeHome(target);
  });

  it('export writes one line per memory', () => {
    expect(outputLines(sourceExport)).toHaveLength(6);
  });

  it('export lines carry the documented fields', () => {
    for (const line of outputLines(sourceExport)) {
      expect(Object.keys(parseJson<object>(line)).sort()).toEqual(
        [
          'content',
          'context',
          'createdAt',
          'expiresAt',
          'id',
          'metadata',
          'source',
          'tags',
          'updatedAt',
        ].sort(),
      );
    }
  });

  it('export lists the oldest first', () => {
    const lines = outputLines(sourceExport).map((line) => parseJson<MemoryJson>(line));

    expect(lines[0]!.content).toBe('Plain note in the default context');
    expect(lines.at(-1)!.content).toBe('Note after its update');
  });

  it('import into a fresh home adds all', async () => {
    const file = join(target, 'from-source.jsonl');
    writeFileSync(file, sourceExport);
    const result = await runCli(['import', file, '--json'], { home: target });
    expect(result.code).toBe(0);

    const summary = parseJson<ImportSummaryJson>(result.stdout);
    expect(summary.added).toBe(6);
    expect(summary.rejected).toBe(0);
  });

  it('second export equals the first', async () => {
    const result = await runCli(['export'], { home: target });

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(sourceExport);
  });

  it('round trip keeps ids and timestamps', async () => {
    const before = outputLines(sourceExport).map((line) => parseJson<MemoryJson>(line));
    const after = await exportLines(target);

    expect(after.map((line) => line.id)).toEqual(before.map((line) => line.id));
    expect(after.map((line) => line.createdAt)).toEqual(before.map((line) => line.createdAt));
    expect(after.map((line) => line.updatedAt)).toEqual(before.map((line) => line.updatedAt));
    expect(after.map((line) => line.expiresAt)).toEqual(before.map((line) => line.expiresAt));
  });

  it('imported memory is readable by get', async () => {
    const before = parseJson<MemoryJson>(outputLines(sourceExport)[1]!);
    const result = await runCli(['get', before.id, '--json'], { home: target });

    expect(result.code).toBe(0);
    expect(parseJson<MemoryJson>(result.stdout).metadata).toEqual({ priority: 3, owner: 'ana' });
  });

  it('import of the export again is all duplicate', async () => {
    const result = await runCli(['import', '-', '--json'], { home: target, input: sourceExport });
    const summary = parseJson<ImportSummaryJson>(result.stdout);

    expect(result.code).toBe(0);
    expect(summary.added).toBe(0);
    expect(summary.duplicate).toBe(6);
  });

  it('export --output writes the file', async () => {
    const file = join(source, 'out.jsonl');
    const result = await runCli(['export', '--output', file], { home: source });

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`Exported 6 memories to ${file}.\n`);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(sourceExport);
  });

  it('export -o into a missing directory exits with 1', async () => {
    const file = join(source, 'missing', 'out.jsonl');
    const result = await runCli(['export', '-o', file], { home: source });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr).not.toMatch(stackLinePattern);
  });

  it('export --context writes only that context', async () => {
    const lines = await exportLines(source, ['--context', 'work']);

    expect(lines.map((line) => line.context)).toEqual(['work', 'work']);
  });

  it('export of an empty store writes nothing', async () => {
    const emptyHome = createHome('export-empty');
    try {
      const result = await runCli(['export'], { home: emptyHome });

      expect(result.code).toBe(0);
      expect(result.stdout).toBe('');
    } finally {
      removeHome(emptyHome);
    }
  });
});

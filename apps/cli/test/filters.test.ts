import {
  addMemory,
  type CliResult,
  createHome,
  listJson,
  mapConcurrently,
  type MemoryJson,
  parseJson,
  removeHome,
  runCli,
  sleep,
} from './helpers';

let home: string;
let firstTimed: MemoryJson;
let secondTimed: MemoryJson;

/** A filtered list or search and the contents it must return, in any order. */
interface FilterCase {
  name: string;
  args: () => string[];
  expected: string[];
}

const contextCases: FilterCase[] = [
  {
    name: 'list --context shows only that context',
    args: () => ['list', '--context', 'work'],
    expected: ['work note alpha', 'work note beta'],
  },
  {
    name: 'search -c shows only that context',
    args: () => ['search', 'note', '-c', 'home'],
    expected: ['home note delta', 'home note gamma'],
  },
  {
    name: 'context name is case-insensitive',
    args: () => ['list', '--context', 'WORK'],
    expected: ['work note alpha', 'work note beta'],
  },
];

const tagCases: FilterCase[] = [
  {
    name: 'one tag selects its memories',
    args: () => ['list', '--tag', 'blue'],
    expected: ['home note gamma', 'work note alpha'],
  },
  {
    name: 'two tags require both',
    args: () => ['list', '-t', 'red', '-t', 'blue'],
    expected: ['home note gamma', 'work note alpha'],
  },
  {
    name: 'three tags require all three',
    args: () => ['list', '-t', 'red', '-t', 'blue', '-t', 'green'],
    expected: ['home note gamma'],
  },
  {
    name: 'search with two tags requires both',
    args: () => ['search', 'note', '-t', 'red', '-t', 'green'],
    expected: ['home note gamma'],
  },
  {
    name: 'tag match is case-insensitive',
    args: () => ['search', 'note', '-t', 'GREEN'],
    expected: ['home note gamma'],
  },
  { name: 'unknown tag selects nothing', args: () => ['list', '-t', 'purple'], expected: [] },
  {
    name: 'known and unknown tag select nothing',
    args: () => ['list', '-t', 'red', '-t', 'purple'],
    expected: [],
  },
  {
    name: 'tags combine with context',
    args: () => ['list', '-c', 'work', '-t', 'red', '-t', 'blue'],
    expected: ['work note alpha'],
  },
];

const metadataCases: FilterCase[] = [
  {
    name: 'number value matches only the number',
    args: () => ['list', '--meta', 'priority=2'],
    expected: ['work note alpha'],
  },
  {
    name: 'quoted value matches only the string',
    args: () => ['list', '--meta', 'priority="2"'],
    expected: ['work note beta'],
  },
  {
    name: '2.0 matches the number 2',
    args: () => ['list', '--meta', 'priority=2.0'],
    expected: ['work note alpha'],
  },
  {
    name: 'true matches the boolean',
    args: () => ['list', '--meta', 'done=true'],
    expected: ['home note gamma'],
  },
  {
    name: 'quoted true matches nothing',
    args: () => ['list', '--meta', 'done="true"'],
    expected: [],
  },
  {
    name: 'null matches the null value',
    args: () => ['list', '--meta', 'note=null'],
    expected: ['home note delta'],
  },
  {
    name: 'text value matches the string',
    args: () => ['search', 'note', '--meta', 'owner=ana'],
    expected: ['work note alpha'],
  },
  {
    name: 'text that starts with a digit stays text',
    args: () => ['list', '--meta', 'owner=2x'],
    expected: ['home note gamma'],
  },
  {
    name: 'two fields require both',
    args: () => ['list', '-m', 'owner=ana', '-m', 'priority=2'],
    expected: ['work note alpha'],
  },
  {
    name: 'two fields with one mismatch match nothing',
    args: () => ['list', '-m', 'owner=ana', '-m', 'priority=10'],
    expected: [],
  },
  { name: 'missing key matches nothing', args: () => ['list', '--meta', 'absent=1'], expected: [] },
];

const timeCases: FilterCase[] = [
  {
    name: '--since includes its own instant',
    args: () => ['list', '-c', 'timed', '--since', secondTimed.createdAt],
    expected: ['timed entry two'],
  },
  {
    name: '--until excludes its own instant',
    args: () => ['list', '-c', 'timed', '--until', secondTimed.createdAt],
    expected: ['timed entry one'],
  },
  {
    name: '--since and --until select a range',
    args: () => [
      'search',
      'timed',
      '--since',
      firstTimed.createdAt,
      '--until',
      secondTimed.createdAt,
    ],
    expected: ['timed entry one'],
  },
  {
    name: '--since 1h includes recent memories',
    args: () => ['list', '-c', 'timed', '--since', '1h'],
    expected: ['timed entry one', 'timed entry two'],
  },
  {
    name: '--until 1h excludes recent memories',
    args: () => ['list', '-c', 'timed', '--until', '1h'],
    expected: [],
  },
  {
    name: '--since a future date selects nothing',
    args: () => ['list', '--since', '2999-01-01'],
    expected: [],
  },
  {
    name: '--until a past date selects nothing',
    args: () => ['list', '--until', '2000-01-01'],
    expected: [],
  },
  {
    name: '--until a future date selects everything',
    args: () => ['list', '--until', '2999-01-01'],
    expected: [
      'home note delta',
      'home note gamma',
      'timed entry one',
      'timed entry two',
      'work note alpha',
      'work note beta',
    ],
  },
];

const results = new Map<FilterCase, CliResult>();

beforeAll(async () => {
  home = createHome('filters');
  await mapConcurrently(
    [
      [
        'work note alpha',
        '-c',
        'work',
        '-t',
        'red',
        '-t',
        'blue',
        '-m',
        'priority=2',
        '-m',
        'owner=ana',
      ],
      ['work note beta', '-c', 'work', '-t', 'red', '-m', 'priority="2"'],
      [
        'home note gamma',
        '-c',
        'home',
        '-t',
        'blue',
        '-t',
        'red',
        '-t',
        'green',
        '-m',
        'done=true',
        '-m',
        'owner=2x',
      ],
      ['home note delta', '-c', 'home', '-m', 'priority=10', '-m', 'ratio=0.5', '-m', 'note=null'],
    ],
    (args) => addMemory(home, args),
  );

  firstTimed = await addMemory(home, ['timed entry one', '-c', 'timed']);
  // Timestamps have millisecond resolution, so the pause keeps the two apart.
  await sleep(20);
  secondTimed = await addMemory(home, ['timed entry two', '-c', 'timed']);

  const cases = [...contextCases, ...tagCases, ...metadataCases, ...timeCases];
  const runs = await mapConcurrently(cases, (testCase) =>
    runCli([...testCase.args(), '--json'], { home }),
  );
  cases.forEach((testCase, index) => results.set(testCase, runs[index]!));
});

afterAll(() => {
  removeHome(home);
});

/** Assert that a case ran, exited with 0 and returned exactly the expected contents. */
function expectContents(testCase: FilterCase): void {
  const result = results.get(testCase)!;

  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(
    parseJson<MemoryJson[]>(result.stdout)
      .map((memory) => memory.content)
      .sort(),
  ).toEqual([...testCase.expected].sort());
}

const caseName = (testCase: FilterCase) => [testCase.name, testCase] as const;

describe('context filter', () => {
  it.each(contextCases.map(caseName))('%s', (_name, testCase) => {
    expectContents(testCase);
  });

  it('contexts lists each with its count', async () => {
    const summaries = await listJson<{ name: string; memoryCount: number }>(home, ['contexts']);
    const counts = Object.fromEntries(
      summaries.map((summary) => [summary.name, summary.memoryCount]),
    );

    expect(counts).toEqual({ default: 0, home: 2, timed: 2, work: 2 });
  });
});

describe('tag filter', () => {
  it.each(tagCases.map(caseName))('%s', (_name, testCase) => {
    expectContents(testCase);
  });
});

describe('metadata filter', () => {
  it.each(metadataCases.map(caseName))('%s', (_name, testCase) => {
    expectContents(testCase);
  });

  it('add stores typed values', async () => {
    const memories = await listJson<MemoryJson>(home, ['list', '--limit', '1000']);
    const byContent = new Map(memories.map((memory) => [memory.content, memory.metadata]));

    expect(byContent.get('work note alpha')).toEqual({ priority: 2, owner: 'ana' });
    expect(byContent.get('work note beta')).toEqual({ priority: '2' });
    expect(byContent.get('home note gamma')).toEqual({ done: true, owner: '2x' });
    expect(byContent.get('home note delta')).toEqual({ priority: 10, ratio: 0.5, note: null });
  });
});

describe('time filter', () => {
  it('created times follow the add order', () => {
    expect(secondTimed.createdAt > firstTimed.createdAt).toBe(true);
  });

  it.each(timeCases.map(caseName))('%s', (_name, testCase) => {
    expectContents(testCase);
  });
});

describe('limit', () => {
  it('--limit caps list results', async () => {
    const memories = await listJson<MemoryJson>(home, ['list', '--limit', '2']);

    expect(memories).toHaveLength(2);
  });

  it('list shows the newest first', async () => {
    const memories = await listJson<MemoryJson>(home, ['list', '-n', '2']);

    expect(memories.map((memory) => memory.content)).toEqual([
      'timed entry two',
      'timed entry one',
    ]);
  });

  it('--limit caps search results', async () => {
    const hits = await listJson<MemoryJson>(home, ['search', 'note', '--limit', '1']);

    expect(hits).toHaveLength(1);
  });

  it('human list hints at a raised limit', async () => {
    const result = await runCli(['list', '--limit', '1'], { home });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('raise --limit for more');
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

import {
  type AddJson,
  addMemory,
  betterSqlitePath,
  type CliResult,
  createHome,
  listJson,
  parseJson,
  removeHome,
  runCli,
  type MemoryJson,
} from './helpers';

const workers = 4;
const addsPerWorker = 25;
const importLinesPerWorker = 50;

describe('parallel processes', () => {
  let home: string;
  const results: CliResult[] = [];

  beforeAll(async () => {
    home = createHome('parallel');
    // Create the database first, so that the workers race on writes. The race to create it
    // is tested under 'parallel first use of a home'.
    await runCli(['list'], { home });

    const addLoop = async (worker: number) => {
      for (let i = 0; i < addsPerWorker; i++) {
        results.push(
          await runCli(['add', `worker ${worker} memory ${i}`, '-c', 'parallel'], { home }),
        );
      }
    };
    const importOnce = async (worker: number) => {
      const lines = Array.from({ length: importLinesPerWorker }, (_, i) =>
        JSON.stringify({ content: `imported by worker ${worker} line ${i}`, context: 'imported' }),
      );
      results.push(await runCli(['import', '-'], { home, input: `${lines.join('\n')}\n` }));
    };

    const work: Promise<void>[] = [];
    for (let worker = 0; worker < workers; worker++) {
      work.push(addLoop(worker), importOnce(worker));
    }
    await Promise.all(work);
  }, 120_000);

  afterAll(() => {
    removeHome(home);
  });

  it('every process exits with 0', () => {
    expect(results).toHaveLength(workers * addsPerWorker + workers);
    expect(results.filter((result) => result.code !== 0)).toEqual([]);
  });

  it('no process reports a locked database', () => {
    const locked = results.filter((result) =>
      /database is locked|SQLITE_BUSY|is busy/i.test(result.stderr),
    );

    expect(locked).toEqual([]);
  });

  it('no process writes to stderr', () => {
    expect(results.map((result) => result.stderr).filter((stderr) => stderr !== '')).toEqual([]);
  });

  it('list holds every added memory', async () => {
    const memories = await listJson<MemoryJson>(home, [
      'list',
      '--context',
      'parallel',
      '--limit',
      '1000',
    ]);
    const expected: string[] = [];
    for (let worker = 0; worker < workers; worker++) {
      for (let i = 0; i < addsPerWorker; i++) {
        expected.push(`worker ${worker} memory ${i}`);
      }
    }

    expect(memories.map((memory) => memory.content).sort()).toEqual(expected.sort());
  });

  it('list holds every imported memory', async () => {
    const memories = await listJson<MemoryJson>(home, [
      'list',
      '--context',
      'imported',
      '--limit',
      '1000',
    ]);

    expect(memories).toHaveLength(workers * importLinesPerWorker);
  });

  it('ids are unique', async () => {
    const memories = await listJson<MemoryJson>(home, ['list', '--limit', '1000']);
    const ids = new Set(memories.map((memory) => memory.id));

    expect(memories).toHaveLength(workers * (addsPerWorker + importLinesPerWorker));
    expect(ids.size).toBe(memories.length);
  });
});

describe('parallel first use of a home', () => {
  let home: string;
  let runs: CliResult[];

  beforeAll(async () => {
    home = createHome('parallel-first-use');
    runs = await Promise.all(
      Array.from({ length: workers }, (_, worker) =>
        runCli(['add', `first memory of worker ${worker}`], { home }),
      ),
    );
  });

  afterAll(() => {
    removeHome(home);
  });

  it('every process exits with 0', () => {
    expect(runs.map((run) => run.code)).toEqual(Array.from({ length: workers }, () => 0));
  });

  it('no process writes to stderr', () => {
    expect(runs.map((run) => run.stderr).filter((stderr) => stderr !== '')).toEqual([]);
  });

  it('every memory is stored', async () => {
    expect(await listJson<MemoryJson>(home, ['list'])).toHaveLength(workers);
  });
});

describe('parallel adds of the same text', () => {
  let home: string;
  let added: AddJson[];

  beforeAll(async () => {
    home = createHome('parallel-duplicate');
    await runCli(['list'], { home });

    const runs = await Promise.all(
      Array.from({ length: workers }, () =>
        runCli(['add', 'The same text from every process', '--json'], { home }),
      ),
    );
    added = runs.map((run) => parseJson<AddJson>(run.stdout));
  });

  afterAll(() => {
    removeHome(home);
  });

  it('exactly one process creates it', () => {
    expect(added.filter((memory) => memory.created)).toHaveLength(1);
  });

  it('every process returns the same id', () => {
    expect(new Set(added.map((memory) => memory.id)).size).toBe(1);
  });

  it('one memory is stored', async () => {
    expect(await listJson<MemoryJson>(home, ['list'])).toHaveLength(1);
  });
});

describe('write lock held by another process', () => {
  const holdMs = 3_000;
  const content = 'Written while another process held the lock';
  let home: string;
  let holder: ChildProcess | undefined;
  let holderCode: number | null;
  let add: CliResult;
  let list: CliResult;

  /**
   * Start a Node process that takes the database's write lock with BEGIN IMMEDIATE, prints
   * "locked", holds the lock for `holdMs`, then commits and exits.
   */
  async function startLockHolder(): Promise<ChildProcess> {
    const script = `
      const Database = require(${JSON.stringify(betterSqlitePath)});
      const db = new Database(${JSON.stringify(join(home, 'mem0.db'))});
      db.exec('BEGIN IMMEDIATE');
      process.stdout.write('locked\\n');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${holdMs});
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });

    const [chunk] = (await Promise.race([
      once(child.stdout!, 'data'),
      once(child, 'exit').then(() => {
        throw new Error(`The lock holder exited before taking the lock: ${stderr}`);
      }),
    ])) as [Buffer];
    if (chunk.toString() !== 'locked\n') {
      throw new Error(
        `The lock holder printed ${JSON.stringify(chunk.toString())} instead of "locked"`,
      );
    }
    return child;
  }

  beforeAll(async () => {
    home = createHome('locked');
    await addMemory(home, ['Stored before the lock']);

    holder = await startLockHolder();
    const holderExit = once(holder, 'exit');
    [add, list] = await Promise.all([
      runCli(['add', content, '--json'], { home }),
      runCli(['list', '--json'], { home }),
    ]);
    [holderCode] = (await holderExit) as [number | null];
  });

  afterAll(() => {
    holder?.kill();
    removeHome(home);
  });

  it('lock holder commits and exits with 0', () => {
    expect(holderCode).toBe(0);
  });

  it('add waits for the lock and succeeds', () => {
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(parseJson<MemoryJson>(add.stdout).content).toBe(content);
  });

  it('add finishes only after the commit', () => {
    // The lock was taken before add started, so add needed most of the holding time.
    expect(add.elapsedMs).toBeGreaterThanOrEqual(holdMs - 1_000);
  });

  it('list reads without waiting for the lock', () => {
    expect(list.code).toBe(0);
    expect(parseJson<MemoryJson[]>(list.stdout).map((memory) => memory.content)).toEqual([
      'Stored before the lock',
    ]);
    expect(list.elapsedMs).toBeLessThan(holdMs - 1_000);
  });

  it('memory written under the lock is stored', async () => {
    const memories = await listJson<MemoryJson>(home, ['list']);

    expect(memories.map((memory) => memory.content)).toContain(content);
  });
});

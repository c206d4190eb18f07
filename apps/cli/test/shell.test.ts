import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  addMemory,
  createHome,
  errorLines,
  listJson,
  type MemoryJson,
  removeHome,
  runCli,
} from './helpers.js';
// The shell needs a real terminal: python3 and its pty module provide one (see pty-driver.py).
import { keys, TerminalSession } from './pseudo-terminal.js';

const promptAtEnd = /\nmem0> $/;
const banner = 'mem0 shell. Type help for the commands';

describe('mem0 shell on a terminal', () => {
  let home: string;
  let session: TerminalSession | undefined;

  beforeEach(() => {
    home = createHome('shell');
  });

  afterEach(() => {
    session?.kill();
    session = undefined;
    removeHome(home);
  });

  /** Start `mem0 ...args` on a pseudo-terminal and wait for the first prompt. */
  async function startShell(args: string[] = ['shell']): Promise<TerminalSession> {
    session = new TerminalSession(args, { home });
    await session.waitFor(promptAtEnd);
    return session;
  }

  it('runs a command and prints its output', async () => {
    const shell = await startShell();
    expect(shell.output).toContain(banner);

    const added = await shell.run('add "Use pnpm, never npm" --context tooling --tag build');
    expect(added).toMatch(/Added [0-9A-Z]{26} to tooling\./);

    const listed = await shell.run('list --context tooling');
    expect(listed).toContain('Use pnpm, never npm');
    expect(listed).toContain('#build');

    const help = await shell.run('help');
    for (const command of ['add', 'search', 'delete, rm', 'contexts', 'exit, quit']) {
      expect(help).toContain(command);
    }

    shell.type('exit' + keys.enter);
    const exit = await shell.exit();
    expect(exit.exitCode).toBe(0);
    expect(exit.canonical).toBe(true);
    expect(exit.echo).toBe(true);
  });

  it('runs pasted lines in order', async () => {
    const shell = await startShell();

    // One write, as a paste arrives: the lines after the first must not be lost.
    const from = shell.mark();
    shell.type('add "first pasted"\radd "second pasted"\rlist --json\r');
    const printed = await shell.waitFor(/"second pasted"[\s\S]*\]\nmem0> $/, from);
    expect(printed).toMatch(
      /Added [0-9A-Z]{26} to default\.[\s\S]*Added [0-9A-Z]{26} to default\./,
    );

    // Ctrl-C and Ctrl-D in one read: the line is cancelled, then the shell ends.
    shell.type('half typed' + keys.ctrlC + keys.ctrlD);
    const exit = await shell.exit();
    expect(exit.exitCode).toBe(0);
    expect(exit.canonical).toBe(true);

    const stored = await listJson(home, ['list']);
    expect(stored.map((memory) => memory.content).sort()).toEqual([
      'first pasted',
      'second pasted',
    ]);
  });

  it('opens when mem0 runs without arguments', async () => {
    const shell = await startShell([]);
    expect(shell.output).toContain(banner);

    shell.type('quit' + keys.enter);
    expect((await shell.exit()).exitCode).toBe(0);
  });

  it('stays open after usage errors', async () => {
    const shell = await startShell();

    const missing = await shell.run('search');
    expect(missing).toContain("error: missing required argument 'query'");

    const unknown = await shell.run('frobnicate now');
    expect(unknown).toContain("error: unknown command 'frobnicate'");

    const unclosed = await shell.run('add "never closed');
    expect(unclosed).toContain('error: The line has an unclosed double quote.');

    const nested = await shell.run('shell');
    expect(nested).toContain('error: You are already in the mem0 shell.');

    const failed = await shell.run('get 01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(failed).toMatch(/error: .*01ARZ3NDEKTSV4RRFFQ69G5FAV/);

    // The shell still works, and none of the lines above was stored.
    const listed = await shell.run('list --json');
    expect(listed).toContain('[]');

    shell.type(keys.ctrlD);
    expect((await shell.exit()).exitCode).toBe(0);
  });

  it('keeps quoted words and escapes together', async () => {
    const shell = await startShell();

    await shell.run(`add 'single "quoted"' "double \\"quoted\\"" back\\ slash --context quoting`);
    shell.type(keys.ctrlD);
    await shell.exit();

    const [memory] = await listJson(home, ['list', '--context', 'quoting']);
    expect(memory?.content).toBe('single "quoted" double "quoted" back slash');
  });

  it('completes command names and context names', async () => {
    await addMemory(home, ['Buy oat milk', '--context', 'groceries']);
    const shell = await startShell();

    // "sea" + Tab becomes "search "; the search only finds the memory if the name was completed.
    let from = shell.mark();
    shell.type('sea' + keys.tab);
    await shell.waitFor('search ', from);
    shell.type('oat' + keys.enter);
    const searched = await shell.waitFor('Pick a result', from);
    expect(searched).toContain('Buy oat milk');
    shell.type(keys.enter);
    await shell.waitFor(promptAtEnd, from);

    // A context filter that names no context is an error, so the listing proves the completion.
    from = shell.mark();
    shell.type('list --context gro' + keys.tab);
    await shell.waitFor('list --context groceries ', from);
    shell.type(keys.enter);
    const listed = await shell.waitFor(promptAtEnd, from);
    expect(listed).toContain('Buy oat milk');
    expect(errorLines(listed)).toEqual([]);

    // A context created in this session is offered too: the names are read again after a write.
    await shell.run('add "Water the ferns" -c garden');
    from = shell.mark();
    shell.type('list -c gar' + keys.tab);
    await shell.waitFor('list -c garden ', from);
    shell.type(keys.enter);
    expect(await shell.waitFor(promptAtEnd, from)).toContain('Water the ferns');

    // Subcommand names complete after their command.
    from = shell.mark();
    shell.type('profiles u' + keys.tab);
    await shell.waitFor('profiles use ', from);
    shell.type(keys.ctrlC);
    await shell.waitFor(promptAtEnd, from);

    // Options of the current command complete after "-".
    from = shell.mark();
    shell.type('export --out' + keys.tab);
    await shell.waitFor('export --output ', from);
    shell.type(keys.ctrlC);
    await shell.waitFor(promptAtEnd, from);

    shell.type(keys.ctrlD);
    expect((await shell.exit()).exitCode).toBe(0);
  });

  it('keeps history across sessions', async () => {
    const first = await startShell();
    await first.run('add "zebra crossing ahead" --context animals');
    await first.run(' list');
    await first.run('contexts');
    await first.run('contexts');
    await first.run('login --token s3cr3t-value');
    first.type(keys.ctrlD);
    expect((await first.exit()).exitCode).toBe(0);

    const file = join(home, 'shell-history');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(
      'add "zebra crossing ahead" --context animals\ncontexts\n',
    );

    // Up twice skips the single "contexts" (repeats are kept once) and recalls the add.
    const second = await startShell();
    const from = second.mark();
    second.type(keys.up);
    await second.waitFor('mem0> contexts', from);
    second.type(keys.up);
    await second.waitFor('mem0> add "zebra crossing ahead" --context animals', from);
    second.type(keys.enter);
    const rerun = await second.waitFor(promptAtEnd, from);
    expect(rerun).toMatch(/Already stored as [0-9A-Z]{26} in animals; nothing was added\./);

    second.type(keys.ctrlD);
    expect((await second.exit()).exitCode).toBe(0);
  });

  it('trims history to 1000 lines', async () => {
    const file = join(home, 'shell-history');
    const old = Array.from({ length: 1005 }, (_, index) => `list --limit ${index + 1}\n`);
    writeFileSync(file, old.join(''), { mode: 0o644 });

    const shell = await startShell();
    await shell.run('contexts');
    shell.type(keys.ctrlD);
    expect((await shell.exit()).exitCode).toBe(0);

    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    expect(lines).toHaveLength(1000);
    expect(lines[0]).toBe('list --limit 7');
    expect(lines[998]).toBe('list --limit 1005');
    expect(lines[999]).toBe('contexts');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('cancels a line on Ctrl-C and exits on Ctrl-D', async () => {
    const shell = await startShell();

    let from = shell.mark();
    shell.type('add this line is cancelled');
    await shell.waitFor('cancelled', from);
    shell.type(keys.ctrlC);
    expect(await shell.waitFor(promptAtEnd, from)).toContain('cancelled^C');

    // Ctrl-C on an empty line does not leave the shell, and it prints how to leave.
    from = shell.mark();
    shell.type(keys.ctrlC);
    expect(await shell.waitFor(promptAtEnd, from)).toContain(
      '(To exit, press Ctrl-D or type exit)',
    );
    from = shell.mark();
    shell.type(keys.ctrlC);
    await shell.waitFor('(To exit, press Ctrl-D or type exit)', from);
    await shell.waitFor(promptAtEnd, from);

    const listed = await shell.run('list --json');
    expect(listed).toContain('[]');

    shell.type(keys.ctrlD);
    const exit = await shell.exit();
    expect(exit.exitCode).toBe(0);
    expect(exit.canonical).toBe(true);
    expect(exit.echo).toBe(true);
    expect(await listJson(home, ['list'])).toEqual([]);
  });

  it('survives Ctrl-C that stops serve', async () => {
    const shell = await startShell();

    // In normal (cooked) mode Ctrl-C is a SIGINT, which serve takes as its signal to stop.
    const from = shell.mark();
    shell.type('serve --port 0' + keys.enter);
    await shell.waitFor('listening', from);
    shell.type(keys.ctrlC);
    const stopped = await shell.waitFor(promptAtEnd, from);
    expect(stopped).toContain('shutting down');

    const listed = await shell.run('list --json');
    expect(listed).toContain('[]');

    shell.type(keys.ctrlD);
    const exit = await shell.exit();
    expect(exit.exitCode).toBe(0);
    expect(exit.canonical).toBe(true);
  });

  it('deletes a picked search result after confirmation', async () => {
    const keptMemory = await addMemory(home, ['Deploys freeze on Fridays', '--context', 'ops']);
    const pickedMemory = await addMemory(home, ['Deploys need two approvals', '--context', 'ops']);
    const shell = await startShell();

    let from = shell.mark();
    shell.type('search deploys' + keys.enter);
    const results = await shell.waitFor('Pick a result', from);
    const ranked = [...results.matchAll(/^\d+\. ([0-9A-Z]{26}) /gm)].map((match) => match[1]);
    expect([...ranked].sort()).toEqual([keptMemory.id, pickedMemory.id].sort());

    // The first choice goes back to the prompt; the hits follow in their search order.
    const position = ranked.indexOf(pickedMemory.id) + 1;
    shell.type(keys.down.repeat(position));
    await shell.waitFor(new RegExp(`❯ ${position}\\. ${pickedMemory.id}`), from);
    shell.type(keys.enter);
    await shell.waitFor(`What to do with ${pickedMemory.id}?`, from);

    from = shell.mark();
    shell.type(keys.down + keys.down);
    await shell.waitFor('❯ delete it', from);
    shell.type(keys.enter);
    await shell.waitFor(`Delete ${pickedMemory.id} from ops`, from);
    shell.type('y' + keys.enter);
    const deleted = await shell.waitFor(promptAtEnd, from);
    expect(deleted).toContain(`Deleted ${pickedMemory.id}.`);

    shell.type(keys.ctrlD);
    const exit = await shell.exit();
    expect(exit.exitCode).toBe(0);
    expect(exit.canonical).toBe(true);

    const remaining = await listJson<MemoryJson>(home, ['list']);
    expect(remaining.map((memory) => memory.id)).toEqual([keptMemory.id]);
  });

  it('edits a picked search result', async () => {
    const memory = await addMemory(home, ['Releases need two approvals']);
    // The "editor" is sed, which changes the file in place as a person would in an editor.
    session = new TerminalSession(['shell'], {
      home,
      env: { EDITOR: 'sed -i s/two/three/', VISUAL: undefined },
    });
    const shell = session;
    await shell.waitFor(promptAtEnd);

    const from = shell.mark();
    shell.type('search approvals' + keys.enter);
    await shell.waitFor('Pick a result', from);
    shell.type(keys.down);
    await shell.waitFor(`❯ 1. ${memory.id}`, from);
    shell.type(keys.enter);
    await shell.waitFor(`What to do with ${memory.id}?`, from);
    shell.type(keys.down);
    await shell.waitFor('❯ edit its text', from);
    shell.type(keys.enter);
    const updated = await shell.waitFor(promptAtEnd, from);
    expect(updated).toContain(`Updated ${memory.id} to version 2.`);

    shell.type(keys.ctrlD);
    expect((await shell.exit()).exitCode).toBe(0);

    const [stored] = await listJson(home, ['list']);
    expect(stored?.content).toBe('Releases need three approvals');
  });

  it('offers no pick after search --json', async () => {
    await addMemory(home, ['Coffee beans run out on Mondays']);
    const shell = await startShell();

    const printed = await shell.run('search coffee --json');
    expect(printed).toContain('"content": "Coffee beans run out on Mondays"');
    expect(printed).not.toContain('Pick a result');

    shell.type(keys.ctrlD);
    expect((await shell.exit()).exitCode).toBe(0);
  });
});

describe('mem0 shell without a terminal', () => {
  it('rejects mem0 shell with piped input', async () => {
    const home = createHome('shell-pipe');
    try {
      const result = await runCli(['shell'], { home, input: 'list\n' });
      expect(result.code).toBe(2);
      expect(errorLines(result.stderr)).toEqual([
        'error: mem0 shell needs a terminal on stdin and stdout. In scripts, run single commands such as: mem0 search QUERY',
      ]);
    } finally {
      removeHome(home);
    }
  });

  it('prints the usage for mem0 without arguments', async () => {
    const home = createHome('shell-usage');
    try {
      const result = await runCli([], { home });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Usage: mem0 [options] [command]');
      expect(result.stdout).toBe('');
    } finally {
      removeHome(home);
    }
  });
});

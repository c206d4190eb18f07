import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Command, CommanderError, Option } from 'commander';

import type { CommandIO } from './io.js';
import { collect, parseLimit } from './arguments.js';
import { serverTokenPath } from './paths.js';
import { reportError } from './report-error.js';

function packageVersion(): string {
  const manifest = readFileSync(join(__dirname, '..', 'package.json'), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

/**
 * Run the CLI with `argv` (without node and the script) and return the exit code: 0 on
 * success, 1 when the operation failed, 2 for a usage error. Command modules load only when
 * their command runs.
 */
export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with code 0; every other parse error is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    return reportError(error, io);
  }
}

function processIO(): CommandIO {
  // A closed pipe (`mem0 export | head`) is a normal way for output to end.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      process.exit(0);
    }
  });
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

function buildProgram(io: CommandIO, setExitCode: (code: number) => void): Command {
  const program = new Command('mem0')
    .description('Keep short memories (facts, decisions, notes) and find them again by search.')
    .version(packageVersion(), '-v, --version')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => {
        write(text);
        if (/unknown option '-/.test(text)) {
          write('Text that starts with "-" goes after --, as in: mem0 search -- -text\n');
        }
      },
    })
    .showHelpAfterError('(run "mem0 --help" or "mem0 COMMAND --help" for usage)')
    .exitOverride();

  const run =
    <A extends unknown[]>(work: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      setExitCode(await work(...args));
    };

  const contextOption = () => new Option('-c, --context <name>', 'the context (collection) to use');
  const tagOption = (description: string) =>
    new Option('-t, --tag <tag>', description).argParser(collect);
  const metaOption = (description: string) =>
    new Option('-m, --meta <key=value>', description).argParser(collect);
  const jsonOption = () => new Option('--json', 'print JSON only, for scripts');
  const limitOption = (fallback: number) =>
    new Option('-n, --limit <n>', `how many results to show (default ${fallback})`).argParser(
      parseLimit,
    );
  const sinceOption = () =>
    new Option(
      '--since <when>',
      'only memories created at or after: 2026-01-31, an ISO date-time, or 12h, 7d, 2w ago',
    );
  const untilOption = () =>
    new Option('--until <when>', 'only memories created before, in the same forms as --since');

  program
    .command('add')
    .description('store a memory; the text comes from the arguments or stdin')
    .argument('[text...]', 'the text to remember')
    .addOption(contextOption())
    .addOption(tagOption('a tag for the memory (repeat for more)'))
    .addOption(
      metaOption('a metadata field (repeat for more); numbers, true, false and null are typed'),
    )
    .addOption(
      new Option('--expires <when>', 'forget the memory after: a duration such as 30d, or a date'),
    )
    .addOption(jsonOption())
    .action(
      run(async (words: string[], options) =>
        (await import('./commands/add.js')).add(words, options, io),
      ),
    );

  program
    .command('search')
    .description('find memories by words, best matches first')
    .argument('<query...>', 'words to look for; any text is fine')
    .addOption(contextOption())
    .addOption(tagOption('only memories with this tag (repeat to require several)'))
    .addOption(metaOption('only memories whose metadata field equals the value'))
    .addOption(sinceOption())
    .addOption(untilOption())
    .addOption(limitOption(10))
    .addOption(jsonOption())
    .action(
      run(async (words: string[], options) =>
        (await import('./commands/search.js')).search(words, options, io),
      ),
    );

  program
    .command('list')
    .description('show memories, newest first')
    .addOption(contextOption())
    .addOption(tagOption('only memories with this tag (repeat to require several)'))
    .addOption(metaOption('only memories whose metadata field equals the value'))
    .addOption(sinceOption())
    .addOption(untilOption())
    .addOption(limitOption(20))
    .addOption(jsonOption())
    .action(run(async (options) => (await import('./commands/list.js')).list(options, io)));

  program
    .command('get')
    .description('show one memory in full')
    .argument('<id>', 'the memory id')
    .addOption(jsonOption())
    .action(
      run(async (id: string, options) => (await import('./commands/get.js')).get(id, options, io)),
    );

  program
    .command('update')
    .description('change a memory: new text, context, tags, metadata or expiry')
    .argument('<id>', 'the memory id')
    .argument('[text...]', 'the new text (or stdin when no other change is given)')
    .addOption(contextOption())
    .addOption(tagOption('replace the tags with these (repeat for more)'))
    .addOption(metaOption('replace the metadata with these fields (repeat for more)'))
    .addOption(
      new Option(
        '--expires <when>',
        'forget the memory after: a duration such as 30d, or a date',
      ).conflicts('expiry'),
    )
    .addOption(new Option('--no-expiry', 'keep the memory forever'))
    .addOption(jsonOption())
    .action(
      run(async (id: string, words: string[], options) =>
        (await import('./commands/update.js')).update(
          id,
          words,
          { ...options, noExpiry: options.expiry === false },
          io,
        ),
      ),
    );

  program
    .command('delete')
    .alias('rm')
    .description('delete a memory (asks first on a terminal); its history is kept')
    .argument('<id>', 'the memory id')
    .option('-y, --yes', 'do not ask for confirmation')
    .addOption(jsonOption())
    .action(
      run(async (id: string, options) =>
        (await import('./commands/delete.js')).remove(id, options, io),
      ),
    );

  program
    .command('history')
    .description('show every version of a memory, also after it was deleted')
    .argument('<id>', 'the memory id')
    .addOption(jsonOption())
    .action(
      run(async (id: string, options) =>
        (await import('./commands/history.js')).history(id, options, io),
      ),
    );

  program
    .command('contexts')
    .description('list your contexts with their number of memories')
    .addOption(jsonOption())
    .action(run(async (options) => (await import('./commands/contexts.js')).contexts(options, io)));

  program
    .command('import')
    .description('import memories from a JSON Lines file (one memory per line; - reads stdin)')
    .argument('<file>', 'the file to read, or - for stdin')
    .addOption(jsonOption())
    .action(
      run(async (file: string, options) =>
        (await import('./commands/import.js')).importFile(file, options, io),
      ),
    );

  program
    .command('export')
    .description('write memories as JSON Lines, oldest first, to stdout or a file')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addOption(contextOption())
    .addOption(tagOption('only memories with this tag (repeat to require several)'))
    .addOption(metaOption('only memories whose metadata field equals the value'))
    .addOption(sinceOption())
    .addOption(untilOption())
    .action(
      run(async (options) => (await import('./commands/export.js')).exportCommand(options, io)),
    );

  program
    .command('serve')
    .description('serve your memories over HTTP on 127.0.0.1, for editors and other local clients')
    .option('-p, --port <port>', 'the port to listen on, 0 for any free port (default 13370)')
    .option('--print-token', 'print the access token, creating it on first use, and exit')
    .addHelpText(
      'after',
      () =>
        `\nEvery request needs the header "Authorization: Bearer TOKEN". The token is created on first use\nand kept in ${serverTokenPath(io.env)} (mode 0600). Logs go to stderr; stop with Ctrl-C.`,
    )
    .action(run(async (options) => (await import('./commands/serve.js')).serve(options, io)));

  return program;
}

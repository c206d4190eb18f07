import { Command, CommanderError, Option } from 'commander';

import type { CommandIO } from './io.js';
import { collect, parseLimit } from './arguments.js';
import { serverTokenPath } from './paths.js';
import { reportError } from './report-error.js';
import { packageVersion } from './version.js';

/**
 * Run the CLI with `argv` (without node and the script) and return the exit code: 0 on
 * success, 1 when the operation failed, 2 for a usage error. Command modules load only when
 * their command runs.
 */
export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(
    io,
    (code) => {
      exitCode = code;
    },
    takesText(argv),
  );

  // With no arguments on a terminal, open the shell; elsewhere keep printing the usage.
  const args = argv.length === 0 && io.stdin.isTTY && io.stdout.isTTY ? ['shell'] : argv;

  try {
    await program.parseAsync(args, { from: 'user' });
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

/**
 * Return `env` with the profile of `--profile`. An explicit profile wins over MEM0_SERVER and
 * MEM0_API_KEY, so those two are left out.
 */
function withProfileOption(env: NodeJS.ProcessEnv, profile: string): NodeJS.ProcessEnv {
  const { MEM0_SERVER: _server, MEM0_API_KEY: _apiKey, ...rest } = env;
  return { ...rest, MEM0_PROFILE: profile };
}

/** Tell whether the command of `argv` takes free text, which may start with "-" by mistake. */
function takesText(argv: string[]): boolean {
  const command = argv.find((word) => !word.startsWith('-'));
  return command === 'add' || command === 'search' || command === 'update';
}

function buildProgram(
  callerIO: CommandIO,
  setExitCode: (code: number) => void,
  textCommand = true,
): Command {
  // A copy, so that --profile changes the environment of this run only.
  const io: CommandIO = { ...callerIO };
  const program = new Command('mem0')
    .description('Keep short memories (facts, decisions, notes) and find them again by search.')
    .version(packageVersion(), '-v, --version')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => {
        write(text);
        if (textCommand && /unknown option '-/.test(text)) {
          write('Text that starts with "-" goes after --, as in: mem0 search -- -text\n');
        }
      },
    })
    .showHelpAfterError('(run "mem0 --help" or "mem0 COMMAND --help" for usage)')
    .exitOverride()
    .option(
      '--profile <name>',
      'the profile to use: local or a team server (default: MEM0_PROFILE, else the active one)',
    )
    .hook('preAction', () => {
      const { profile } = program.opts<{ profile?: string }>();
      if (profile !== undefined) {
        io.env = withProfileOption(io.env, profile);
      }
    });

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
      new Option('--expires <when>', 'hide the memory after: a duration such as 30d, or a date'),
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
        'hide the memory after: a duration such as 30d, or a date',
      ).conflicts('expiry'),
    )
    .addOption(new Option('--no-expiry', 'keep the memory forever'))
    .addOption(new Option('--clear-tags', 'remove every tag').conflicts('tag'))
    .addOption(new Option('--clear-meta', 'remove all metadata').conflicts('meta'))
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
    .command('push')
    .description(
      'copy local memories to a team server (MEM0_SERVER, MEM0_API_KEY); running it again copies only what is missing',
    )
    .addOption(new Option('-c, --context <name>', 'copy only the memories of this context'))
    .addOption(jsonOption())
    .action(run(async (options) => (await import('./commands/push.js')).push(options, io)));

  program
    .command('login')
    .description('log in to a team server and make its profile active')
    .argument('[url]', "the server's URL, such as http://127.0.0.1:13370 (default: the profile's)")
    .option('--with-token', 'read an API key from stdin instead of asking for email and password')
    .option(
      '--insecure-storage',
      'keep the secret in a plain file (mode 0600) instead of the OS keychain',
    )
    .option('--invite <token>', 'join a team with this invite token while logging in')
    .addHelpText(
      'after',
      "\nThe profile is named after the server's host and port unless --profile names it.",
    )
    .action(
      run(async (url: string | undefined, options) =>
        (await import('./commands/login.js')).login(url, options, io),
      ),
    );

  program
    .command('register')
    .description('create an account on a team server that allows it, and log in')
    .argument('[url]', "the server's URL, such as http://127.0.0.1:13370 (default: the profile's)")
    .option(
      '--insecure-storage',
      'keep the secret in a plain file (mode 0600) instead of the OS keychain',
    )
    .option(
      '--invite <token>',
      'join a team with this invite token; it also allows registering where registration is closed',
    )
    .action(
      run(async (url: string | undefined, options) =>
        (await import('./commands/login.js')).register(url, options, io),
      ),
    );

  program
    .command('logout')
    .description('end the session on the team server and delete the stored secret')
    .action(run(async () => (await import('./commands/logout.js')).logout(io)));

  program
    .command('whoami')
    .description('show the profile, server and account in use, and how it is authenticated')
    .addOption(jsonOption())
    .action(run(async (options) => (await import('./commands/whoami.js')).whoami(options, io)));

  const keys = program
    .command('keys')
    .description('create, list and revoke API keys on the team server');
  keys
    .command('create')
    .description('create an API key and print it; it is shown only this once')
    .argument('<name>', 'a name that says where the key is used, such as laptop-mcp')
    .option('--scope <scope>', 'read (search and read) or write (also change memories)', 'read')
    .option('--expires <when>', 'when the key stops working: a duration such as 90d, or a date')
    .addOption(jsonOption())
    .action(
      run(async (name: string, options) =>
        (await import('./commands/keys.js')).createKey(name, options, io),
      ),
    );
  keys
    .command('list')
    .description('list your API keys, revoked and expired ones included')
    .addOption(jsonOption())
    .action(run(async (options) => (await import('./commands/keys.js')).listKeys(options, io)));
  keys
    .command('revoke')
    .description('revoke an API key; requests with it fail from then on')
    .argument('<id>', 'the key id, as "mem0 keys list" shows it')
    .action(run(async (id: string) => (await import('./commands/keys.js')).revokeKey(id, io)));

  const profiles = program
    .command('profiles')
    .description('list the profiles (local and team servers); * marks the active one')
    .addOption(jsonOption())
    .action(
      run(async (options) => (await import('./commands/profiles.js')).listProfiles(options, io)),
    );
  profiles
    .command('use')
    .description('make a profile the active one')
    .argument('<name>', 'the profile, or local')
    .action(
      run(async (name: string) => (await import('./commands/profiles.js')).useProfile(name, io)),
    );
  profiles
    .command('remove')
    .description('remove a server profile and its stored secret')
    .argument('<name>', 'the profile')
    .action(
      run(async (name: string) => (await import('./commands/profiles.js')).removeProfile(name, io)),
    );

  const admin = program
    .command('admin')
    .description("manage a team server's accounts and registration (administrators only)");
  admin
    .command('users')
    .description('list the accounts, oldest first, with their role and status')
    .addOption(jsonOption())
    .action(run(async (options) => (await import('./commands/admin.js')).listUsers(options, io)));
  admin
    .command('disable')
    .description('disable an account: its sessions and API keys stop working at once')
    .argument('<user>', 'the account, by email or id')
    .action(
      run(async (user: string) =>
        (await import('./commands/admin.js')).setDisabled(user, true, io),
      ),
    );
  admin
    .command('grant')
    .description('make an account an administrator of the server')
    .argument('<user>', 'the account, by email or id')
    .action(
      run(async (user: string) => (await import('./commands/admin.js')).setAdmin(user, true, io)),
    );
  admin
    .command('revoke')
    .description('take the administrator role away; the last active administrator keeps it')
    .argument('<user>', 'the account, by email or id')
    .action(
      run(async (user: string) => (await import('./commands/admin.js')).setAdmin(user, false, io)),
    );
  admin
    .command('enable')
    .description('enable a disabled account again')
    .argument('<user>', 'the account, by email or id')
    .action(
      run(async (user: string) =>
        (await import('./commands/admin.js')).setDisabled(user, false, io),
      ),
    );
  admin
    .command('registration')
    .description('show who may register, or change it: open, first-user or closed')
    .argument(
      '[policy]',
      'the new policy, which applies at once and outlasts restarts; reset follows MEM0_REGISTRATION again',
    )
    .addOption(jsonOption())
    .action(
      run(async (policy: string | undefined, options) =>
        (await import('./commands/admin.js')).registration(policy, options, io),
      ),
    );

  const teams = program
    .command('teams')
    .description('list your teams on the team server, or manage them with the commands below');
  // The default subcommand, not an action of `teams`, so that `--json` after any subcommand
  // reaches that subcommand's option.
  teams
    .command('list', { isDefault: true })
    .description('list your teams with your role and their number of members (the default)')
    // A mistyped subcommand such as `mem0 teams inivte` lands here as words.
    .argument('[words...]')
    .addOption(jsonOption())
    .action(
      run(async (words: string[], options) => {
        const commands = await import('./commands/teams.js');
        if (words.length > 0) {
          commands.rejectUnknownSubcommand(
            words[0]!,
            teams.commands.map((command) => command.name()),
          );
        }
        return commands.listTeams(options, io);
      }),
    );
  teams
    .command('create')
    .description('create a team; you become its owner')
    .argument('<name>', 'the team name: letters, digits, ".", "_" and "-"')
    .addOption(jsonOption())
    .action(
      run(async (name: string, options) =>
        (await import('./commands/teams.js')).createTeam(name, options, io),
      ),
    );
  teams
    .command('rename')
    .description('rename a team (owners); its contexts take the new name')
    .argument('<name>', 'the team')
    .argument('<new-name>', 'the new name')
    .addOption(jsonOption())
    .action(
      run(async (name: string, newName: string, options) =>
        (await import('./commands/teams.js')).renameTeam(name, newName, options, io),
      ),
    );
  teams
    .command('delete')
    .description(
      'delete a team with its contexts, invites and shares (owners; asks first on a terminal)',
    )
    .argument('<name>', 'the team')
    .option('--delete-memories', "also delete the memories in the team's contexts")
    .option('-y, --yes', 'do not ask for confirmation')
    .addOption(jsonOption())
    .action(
      run(async (name: string, options) =>
        (await import('./commands/teams.js')).deleteTeam(name, options, io),
      ),
    );
  teams
    .command('members')
    .description('list the members of a team with their roles')
    .argument('<name>', 'the team')
    .addOption(jsonOption())
    .action(
      run(async (name: string, options) =>
        (await import('./commands/teams.js')).listMembers(name, options, io),
      ),
    );
  teams
    .command('invite')
    .description('invite an email address to a team and print the invite token once')
    .argument('<name>', 'the team')
    .argument('<email>', 'the email address of the person to invite')
    .option('--role <role>', 'the role they get: member, admin or owner', 'member')
    .option(
      '--expires <when>',
      'when the token stops working: a duration such as 7d, or a date; at most 30 days (default 7d)',
    )
    .addOption(jsonOption())
    .action(
      run(async (name: string, email: string, options) =>
        (await import('./commands/teams.js')).invite(name, email, options, io),
      ),
    );
  teams
    .command('invites')
    .description('list the invites of a team, newest first (owners and admins)')
    .argument('<name>', 'the team')
    .addOption(jsonOption())
    .action(
      run(async (name: string, options) =>
        (await import('./commands/teams.js')).listInvites(name, options, io),
      ),
    );
  teams
    .command('revoke-invite')
    .description('revoke an unused invite; its token stops working')
    .argument('<name>', 'the team')
    .argument('<id>', 'the invite id, as "mem0 teams invites NAME" shows it')
    .action(
      run(async (name: string, id: string) =>
        (await import('./commands/teams.js')).revokeInvite(name, id, io),
      ),
    );
  teams
    .command('role')
    .description("change a member's role (owners; admins between member and admin)")
    .argument('<name>', 'the team')
    .argument('<member>', 'the member, by email or user id')
    .argument('<role>', 'the new role: member, admin or owner')
    .addOption(jsonOption())
    .action(
      run(async (name: string, member: string, role: string, options) =>
        (await import('./commands/teams.js')).changeRole(name, member, role, options, io),
      ),
    );
  teams
    .command('remove')
    .description('remove a member from a team (owners and admins)')
    .argument('<name>', 'the team')
    .argument('<member>', 'the member, by email or user id')
    .action(
      run(async (name: string, member: string) =>
        (await import('./commands/teams.js')).removeMember(name, member, io),
      ),
    );
  teams
    .command('leave')
    .description('leave a team; its last owner cannot')
    .argument('<name>', 'the team')
    .action(run(async (name: string) => (await import('./commands/teams.js')).leaveTeam(name, io)));
  teams
    .command('join')
    .description('join a team with an invite token made for your email')
    .argument('<token>', 'the invite token')
    .addOption(jsonOption())
    .action(
      run(async (token: string, options) =>
        (await import('./commands/teams.js')).joinTeam(token, options, io),
      ),
    );
  teams
    .command('audit')
    .description("show a team's audit log, newest first (the team's owners)")
    .argument('<name>', 'the team')
    .option('--actor <user>', 'only what this account did, by email or id')
    .option('--action <action>', 'only this action, such as team.invite or share.create')
    .option('--since <when>', 'only events at or after this time: a date, or a duration such as 7d')
    .option('--until <when>', 'only events before this time, in the same forms as --since')
    .option('-n, --limit <n>', 'the most events to show (default 50)', parseLimit)
    .addOption(jsonOption())
    .action(
      run(async (name: string, options) =>
        (await import('./commands/teams.js')).teamAudit(name, options, io),
      ),
    );

  const share = program
    .command('share')
    .description('share your contexts with other users or teams on the team server');
  share
    .command('add')
    .description('share a context, or change the permission of an existing share')
    .argument('<context>', 'a context you manage, such as notes or acme/notes')
    .argument('<grantee>', 'a user by email, or a team by name')
    .addOption(new Option('--read', 'they may search and read its memories (the default)'))
    .addOption(
      new Option('--write', 'they may also add, change and delete its memories').conflicts('read'),
    )
    .addOption(jsonOption())
    .action(
      run(async (context: string, grantee: string, options) =>
        (await import('./commands/share.js')).addShare(context, grantee, options, io),
      ),
    );
  share
    .command('list')
    .description('list the shares of the contexts you manage')
    .addOption(new Option('-c, --context <name>', 'only the shares of this context'))
    .addOption(jsonOption())
    .action(run(async (options) => (await import('./commands/share.js')).listShares(options, io)));
  share
    .command('revoke')
    .description('revoke a share; access through it ends at once')
    .argument('<id>', 'the share id, as "mem0 share list" shows it')
    .action(run(async (id: string) => (await import('./commands/share.js')).revokeShare(id, io)));

  program
    .command('audit')
    .description("show a team server's audit log, newest first (administrators only)")
    .option('--actor <user>', 'only what this account did, by email or id')
    .option('--action <action>', 'only this action, such as auth.login_failed or memory.delete')
    .option('--since <when>', 'only events at or after this time: a date, or a duration such as 7d')
    .option('--until <when>', 'only events before this time, in the same forms as --since')
    .option('-n, --limit <n>', 'the most events to show (default 50)', parseLimit)
    .addOption(jsonOption())
    .action(run(async (options) => (await import('./commands/admin.js')).showAudit(options, io)));

  const mcp = program
    .command('mcp')
    .description('connect AI tools (Claude Desktop, Cursor, VS Code) to mem0 over MCP');
  mcp
    .command('config')
    .description('print the MCP configuration block of an AI tool for the selected profile')
    .argument('<client>', 'the AI tool: claude, cursor or vscode')
    .option(
      '-c, --context <name>',
      'the context that adding, searching and listing use when the AI tool names none',
    )
    .option('--http', "use the team server's /mcp endpoint instead of a local mem0-mcp process")
    .option('--name <name>', 'the name of the server entry in the block', 'mem0')
    .addHelpText(
      'after',
      '\nThe block is printed to stdout, and where to put it to stderr. Without --http the AI tool starts\nmem0-mcp with the selected profile (local or a team server), and the block contains no secret.',
    )
    .action(
      run(async (client: string, options) =>
        (await import('./commands/mcp-config.js')).printMcpConfig(client, options, io),
      ),
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

  program
    .command('shell')
    .description('start an interactive session: the same commands without "mem0", one per line')
    .action(
      run(async (_options, command: Command) =>
        (await import('./shell/session.js')).runShell(command.parent ?? program, io, (words) =>
          main(words, io),
        ),
      ),
    );

  return program;
}

// mem0 teams and mem0 share against a real team server: teams, invites (also redeemed while
// registering and logging in), roles, the team audit log, and shares of contexts.
import {
  type CliResult,
  createHome,
  errorLines,
  outputLines,
  parseJson,
  removeHome,
  runCli,
  runInTerminal,
  type SearchHitJson,
  terminalAvailable,
} from './helpers';
import { runWithAnswers } from './team-helpers';
import {
  createApiKey,
  registerAccount,
  startTeamServer,
  type TeamServer,
  testPassword,
} from './team-server';

interface TeamJson {
  id: string;
  name: string;
  role: string;
  memberCount: number;
}

interface MemberJson {
  userId: string;
  email: string;
  role: string;
}

interface InviteJson {
  id: string;
  email: string;
  role: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
  token?: string;
}

interface ShareJson {
  id: string;
  context: string;
  grantee: { type: string; name: string };
  permission: string;
  created?: boolean;
}

interface ContextJson {
  name: string;
  memoryCount: number;
  owner: { type: string; name: string | null };
  permission: string;
}

const invitePattern = /^mem0_inv_\S+$/m;

/** Check that a command failed with one `error:` line on stderr and nothing on stdout. */
function expectFailure(result: CliResult, code: number, message: string): void {
  expect(result.stdout).toBe('');
  expect(errorLines(result.stderr)).toHaveLength(1);
  expect(result.stderr).toContain(message);
  expect(result.code).toBe(code);
}

describe('mem0 teams and mem0 share', () => {
  let server: TeamServer;
  let anaHome: string;
  let carolHome: string;
  let danHome: string;
  let localHome: string;

  /** Log in a home with a new write-scope API key of the account. */
  const loginWithKey = async (home: string, accessToken: string, extra: string[] = []) => {
    const { key } = await createApiKey(server.url, accessToken, 'write');
    return runCli(['login', server.url, '--with-token', '--insecure-storage', ...extra], {
      home,
      input: `${key}\n`,
    });
  };

  const ana = (args: string[]) => runCli(args, { home: anaHome });
  const carol = (args: string[]) => runCli(args, { home: carolHome });
  const dan = (args: string[]) => runCli(args, { home: danHome });

  const json = async <T>(result: Promise<CliResult>): Promise<T> => {
    const finished = await result;
    if (finished.code !== 0) {
      throw new Error(`exited with ${finished.code}: ${finished.stderr}`);
    }
    return parseJson<T>(finished.stdout);
  };

  beforeAll(async () => {
    server = await startTeamServer();
    // The first account is the server's administrator.
    const anaTokens = await registerAccount(server.url, 'ana@example.com');
    const carolTokens = await registerAccount(server.url, 'carol@example.com');
    anaHome = createHome('teams-ana');
    carolHome = createHome('teams-carol');
    danHome = createHome('teams-dan');
    localHome = createHome('teams-local');
    for (const [home, tokens] of [
      [anaHome, anaTokens],
      [carolHome, carolTokens],
    ] as const) {
      const login = await loginWithKey(home, tokens.accessToken);
      if (login.code !== 0) {
        throw new Error(`login failed: ${login.stderr}`);
      }
    }
    const closed = await ana(['admin', 'registration', 'closed']);
    if (closed.code !== 0) {
      throw new Error(`closing the registration failed: ${closed.stderr}`);
    }
  });

  afterAll(async () => {
    await server.close();
    for (const home of [anaHome, carolHome, danHome, localHome]) {
      removeHome(home);
    }
  });

  test('local profile rejects team commands', async () => {
    const commands = [
      ['teams'],
      ['teams', 'create', 'acme'],
      ['teams', 'join', 'mem0_inv_abc'],
      ['share', 'list'],
      ['share', 'add', 'notes', 'bob@example.com'],
    ];
    for (const args of commands) {
      const result = await runCli(args, { home: localHome });
      expect([args.join(' '), result.code]).toEqual([args.join(' '), 2]);
      expect(result.stdout).toBe('');
      expect(outputLines(result.stderr)).toEqual([
        'error: Teams and sharing need a team server, but the selected profile is "local" (the database on this machine). Log in with "mem0 login URL" (or "mem0 register URL"), or choose a server profile with --profile NAME.',
      ]);
    }
  });

  test('mistyped teams command names the closest', async () => {
    const result = await runCli(['teams', 'inivte', 'acme', 'bob@example.com'], {
      home: localHome,
    });

    expect(result.code).toBe(2);
    expect(outputLines(result.stderr)).toEqual([
      'error: "inivte" is not a command of mem0 teams. Did you mean "invite"? Run "mem0 teams --help" to see them.',
    ]);
  });

  test('teams create and list', async () => {
    const created = await ana(['teams', 'create', 'Acme']);
    expect(created.stderr).toBe('');
    expect(created.stdout).toContain(`Created team acme on ${server.url}; you are its owner.`);
    expect(created.code).toBe(0);

    const teams = await json<TeamJson[]>(ana(['teams', '--json']));
    expect(teams.map((team) => [team.name, team.role, team.memberCount])).toEqual([
      ['acme', 'owner', 1],
    ]);

    const table = outputLines((await ana(['teams'])).stdout);
    expect(table[0]).toMatch(/^NAME\s+ROLE\s+MEMBERS\s+CREATED$/);
    expect(table[1]).toMatch(/^acme\s+owner\s+1\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}Z$/);

    const none = await carol(['teams']);
    expect(none.stdout).toContain('You belong to no team');
    expect(none.code).toBe(0);
  });

  test('teams create rejects bad and taken names', async () => {
    expectFailure(
      await ana(['teams', 'create', 'a team']),
      2,
      'The team name "a team" may contain only letters',
    );
    expectFailure(
      await carol(['teams', 'create', 'acme']),
      1,
      'A team named "acme" already exists',
    );
  });

  let danToken: string;

  test('teams invite prints the token once', async () => {
    const result = await ana(['teams', 'invite', 'acme', 'Dan@Example.com', '--expires', '3d']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Invited dan@example.com to team acme as member');
    expect(result.stdout).toContain(
      `They join with "mem0 register ${server.url} --invite TOKEN", or with "mem0 teams join TOKEN"`,
    );
    const tokens = result.stdout.match(new RegExp(invitePattern.source, 'gm')) ?? [];
    expect(tokens).toHaveLength(1);
    danToken = tokens[0]!;

    const invites = await json<InviteJson[]>(ana(['teams', 'invites', 'acme', '--json']));
    expect(invites).toHaveLength(1);
    expect(invites[0]).toMatchObject({
      email: 'dan@example.com',
      role: 'member',
      acceptedAt: null,
    });
    expect(invites[0]!.token).toBeUndefined();
    const days = (Date.parse(invites[0]!.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(2.9);
    expect(days).toBeLessThan(3.1);
  });

  test('teams invite rejects bad input', async () => {
    expectFailure(
      await ana(['teams', 'invite', 'acme', 'erin@example.com', '--role', 'boss']),
      2,
      '--role "boss" is not a team role. Choose one of: owner, admin, member.',
    );
    expectFailure(
      await ana(['teams', 'invite', 'acme', 'erin']),
      2,
      '"erin" is not an email address.',
    );
    expectFailure(
      await ana(['teams', 'invite', 'acme', 'erin@example.com', '--expires', '40d']),
      2,
      'within 30 days',
    );
    expectFailure(
      await ana(['teams', 'invite', 'nope', 'erin@example.com']),
      1,
      'No team named "nope"',
    );
    const missing = await ana(['teams', 'invite', 'acme']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'email'");
  });

  test('register with --invite joins while registration is closed', async () => {
    const rejected = await fetch(`${server.url}/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'dan@example.com', password: testPassword }),
    });
    expect(rejected.status).toBe(403);

    const registered = await runWithAnswers(
      ['register', server.url, '--invite', danToken, '--insecure-storage'],
      { email: 'dan@example.com', password: testPassword, confirm: true },
      { home: danHome, env: { DBUS_SESSION_BUS_ADDRESS: undefined } },
    );
    expect(registered.output).toContain('Logged in to');
    expect(registered.output).toContain('Joined team acme as member (2 members).');
    expect(registered.code).toBe(0);

    const members = await json<MemberJson[]>(ana(['teams', 'members', 'acme', '--json']));
    expect(members.map((member) => [member.email, member.role])).toEqual([
      ['ana@example.com', 'owner'],
      ['dan@example.com', 'member'],
    ]);
    const table = outputLines((await dan(['teams', 'members', 'acme'])).stdout);
    expect(table[0]).toMatch(/^EMAIL\s+NAME\s+ROLE\s+JOINED\s+USER ID$/);
    expect(table[2]).toMatch(/^dan@example\.com\s+member\s+/);
  });

  test('a used invite token is rejected', async () => {
    expectFailure(await carol(['teams', 'join', danToken]), 1, 'This invite was already used.');
  });

  test('login with --invite joins the team', async () => {
    const invite = await json<InviteJson>(
      ana(['teams', 'invite', 'acme', 'carol@example.com', '--json']),
    );
    expect(invite.token).toMatch(invitePattern);

    const wrong = await dan(['teams', 'join', invite.token!]);
    expectFailure(wrong, 1, 'This invite is for carol@example.com, not for dan@example.com.');

    // Carol logs in again with a new key and the invite, through --with-token.
    const carolTokens = await (
      await fetch(`${server.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'carol@example.com', password: testPassword }),
      })
    ).json();
    const login = await loginWithKey(
      carolHome,
      (carolTokens as { accessToken: string }).accessToken,
      ['--invite', invite.token!],
    );
    expect(login.stderr).toContain('stored unencrypted');
    expect(login.stdout).toContain('Joined team acme as member (3 members).');
    expect(login.code).toBe(0);

    const teams = await json<TeamJson[]>(carol(['teams', '--json']));
    expect(teams.map((team) => team.name)).toEqual(['acme']);
  });

  test('teams invites and revoke-invite', async () => {
    const erin = await json<InviteJson>(
      ana(['teams', 'invite', 'acme', 'erin@example.com', '--role', 'admin', '--json']),
    );
    const revoked = await ana(['teams', 'revoke-invite', 'acme', erin.id.toLowerCase()]);
    expect(revoked.stdout).toContain(`Revoked invite ${erin.id} of team acme`);
    expect(revoked.code).toBe(0);

    const table = outputLines((await ana(['teams', 'invites', 'acme'])).stdout);
    expect(table[0]).toMatch(/^ID\s+EMAIL\s+ROLE\s+INVITED BY\s+CREATED\s+EXPIRES\s+STATUS$/);
    expect(table.find((line) => line.includes('erin@example.com'))).toMatch(
      /admin\s+ana@example\.com\s+.*\srevoked \d{4}-/,
    );
    expect(table.find((line) => line.includes('dan@example.com'))).toMatch(/\saccepted \d{4}-/);

    expectFailure(
      await ana(['teams', 'revoke-invite', 'acme', 'not-an-id']),
      2,
      '"not-an-id" is not an invite id.',
    );
    expectFailure(
      await dan(['teams', 'invites', 'acme']),
      1,
      'Only owners and admins of team "acme" can list its invites.',
    );
  });

  let shareId: string;

  test('share read-only lets search in but not add', async () => {
    const added = await ana(['add', 'The staging database resets on Sunday', '--context', 'notes']);
    expect(added.code).toBe(0);

    const shared = await ana(['share', 'add', 'notes', 'Carol@example.com']);
    expect(shared.stderr).toBe('');
    expect(shared.stdout).toContain('Shared notes with carol@example.com, read-only');
    expect(shared.stdout).toContain('They name it ana@example.com/notes');
    expect(shared.code).toBe(0);

    const hits = await json<SearchHitJson[]>(
      carol(['search', 'staging', '--context', 'ana@example.com/notes', '--json']),
    );
    expect(hits.map((hit) => hit.content)).toEqual(['The staging database resets on Sunday']);

    expectFailure(
      await carol(['add', 'Sunday is moved', '--context', 'ana@example.com/notes']),
      1,
      'The context "ana@example.com/notes" is shared with you to read only.',
    );
    expectFailure(
      await dan(['search', 'staging', '--context', 'ana@example.com/notes']),
      1,
      'ana@example.com/notes',
    );

    const shares = await json<ShareJson[]>(ana(['share', 'list', '--json']));
    expect(shares).toHaveLength(1);
    expect(shares[0]).toMatchObject({
      context: 'notes',
      grantee: { type: 'user', name: 'carol@example.com' },
      permission: 'read',
    });
    shareId = shares[0]!.id;

    const table = outputLines((await ana(['share', 'list', '--context', 'notes'])).stdout);
    expect(table[0]).toMatch(/^ID\s+CONTEXT\s+GRANTEE\s+PERMISSION\s+SHARED BY\s+CREATED$/);
    expect(table[1]).toMatch(
      new RegExp(`^${shareId}\\s+notes\\s+carol@example\\.com\\s+read\\s+ana@example\\.com\\s`),
    );
  });

  test('contexts shows owner and permission', async () => {
    const contexts = await json<ContextJson[]>(carol(['contexts', '--json']));
    expect(contexts.find((context) => context.name === 'ana@example.com/notes')).toEqual(
      expect.objectContaining({
        memoryCount: 1,
        owner: { type: 'user', name: 'ana@example.com' },
        permission: 'read',
      }),
    );

    await ana(['add', 'Releases go out on Tuesdays', '--context', 'acme/releases']);
    const table = outputLines((await carol(['contexts'])).stdout);
    expect(table[0]).toMatch(/^CONTEXT\s+MEMORIES\s+LAST CHANGE\s+OWNER\s+PERMISSION$/);
    expect(table).toContainEqual(
      expect.stringMatching(/^ana@example\.com\/notes\s+1\s+\S+ \S+Z\s+ana@example\.com\s+read$/),
    );
    expect(table).toContainEqual(
      expect.stringMatching(/^acme\/releases\s+1\s+\S+ \S+Z\s+team acme\s+write$/),
    );
    const header = table[0]!;
    for (const line of table.slice(1)) {
      // Every row's OWNER column starts under the header's.
      expect(line.slice(header.indexOf('OWNER') - 2, header.indexOf('OWNER'))).toBe('  ');
    }
  });

  test('share add --write changes the permission', async () => {
    const changed = await json<ShareJson>(
      ana(['share', 'add', 'notes', 'carol@example.com', '--write', '--json']),
    );
    expect(changed).toMatchObject({ id: shareId, permission: 'write', created: false });

    const added = await carol([
      'add',
      'Sunday resets move to Monday',
      '--context',
      'ana@example.com/notes',
    ]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);

    expectFailure(
      await ana(['share', 'add', 'notes', 'carol@example.com', '--read', '--write']),
      2,
      "option '--write' cannot be used with option '--read'",
    );
  });

  test('share rejects unknown grantees and contexts', async () => {
    expectFailure(
      await ana(['share', 'add', 'notes', 'nobody@example.com']),
      1,
      'No account with the email nobody@example.com',
    );
    expectFailure(await ana(['share', 'add', 'notes', 'ghosts']), 1, 'No team named "ghosts"');
    expectFailure(await ana(['share', 'add', 'missing', 'acme']), 1, 'No context named "missing"');
    expectFailure(
      await carol(['share', 'add', 'ana@example.com/notes', 'dan@example.com']),
      1,
      'Only the owner of the context',
    );
  });

  test('share revoke ends access', async () => {
    const revoked = await ana(['share', 'revoke', shareId]);
    expect(revoked.stdout).toContain(`Revoked share ${shareId}`);
    expect(revoked.code).toBe(0);

    const search = await carol(['search', 'staging', '--context', 'ana@example.com/notes']);
    expect(search.code).toBe(1);
    expect(search.stderr).toContain('ana@example.com/notes');

    expectFailure(await ana(['share', 'revoke', shareId]), 1, `No share with id ${shareId}`);
    const empty = await ana(['share', 'list']);
    expect(empty.stdout).toContain('None of the contexts you manage');
    expect(empty.code).toBe(0);
  });

  test('teams role, remove and leave', async () => {
    const promoted = await json<MemberJson>(
      ana(['teams', 'role', 'acme', 'dan@example.com', 'admin', '--json']),
    );
    expect(promoted).toMatchObject({ email: 'dan@example.com', role: 'admin' });

    expectFailure(
      await ana(['teams', 'role', 'acme', 'dan@example.com', 'boss']),
      2,
      'The role "boss" is not a team role.',
    );
    expectFailure(
      await ana(['teams', 'role', 'acme', 'zed@example.com', 'member']),
      1,
      'zed@example.com is not a member of team "acme"',
    );
    expectFailure(
      await dan(['teams', 'role', 'acme', 'ana@example.com', 'member']),
      1,
      'Only an owner of team "acme"',
    );

    const removed = await dan(['teams', 'remove', 'acme', 'carol@example.com']);
    expect(removed.stdout).toContain('Removed carol@example.com from team acme');
    expect(removed.code).toBe(0);

    const left = await dan(['teams', 'leave', 'acme']);
    expect(left.stdout).toContain('You left team acme');
    expect(left.code).toBe(0);
    expect(await json<TeamJson[]>(dan(['teams', '--json']))).toEqual([]);

    expectFailure(await ana(['teams', 'leave', 'acme']), 1, 'last owner of team "acme"');
  });

  test('teams audit shows the team events', async () => {
    const events = await json<{ action: string }[]>(ana(['teams', 'audit', 'acme', '--json']));
    const actions = events.map((event) => event.action);
    for (const action of ['team.create', 'team.invite', 'team.join', 'team.member_role']) {
      expect([action, actions.includes(action)]).toEqual([action, true]);
    }

    const invites = await json<{ action: string }[]>(
      ana(['teams', 'audit', 'acme', '--action', 'team.invite_revoke', '--json']),
    );
    expect(invites.map((event) => event.action)).toEqual(['team.invite_revoke']);

    const table = outputLines(
      (await ana(['teams', 'audit', 'acme', '--action', 'team.join'])).stdout,
    );
    expect(table[0]).toMatch(/^TIME\s+ACTION\s+ACTOR\s+TARGET/);
    expect(
      table
        .slice(1)
        .map((line) => /team\.join\s+(\S+)/.exec(line)?.[1])
        .sort(),
    ).toEqual(['carol@example.com', 'dan@example.com']);

    expectFailure(
      await ana(['teams', 'audit', 'acme', '--action', 'everything']),
      2,
      'Unknown audit action "everything"',
    );
    expectFailure(await carol(['teams', 'audit', 'acme']), 1, 'No team named "acme"');
  });

  test('teams rename and delete', async () => {
    const renamed = await json<TeamJson>(ana(['teams', 'rename', 'acme', 'acme-labs', '--json']));
    expect(renamed).toMatchObject({ name: 'acme-labs', role: 'owner' });
    const contexts = await json<ContextJson[]>(ana(['contexts', '--json']));
    expect(contexts.map((context) => context.name)).toContain('acme-labs/releases');

    expectFailure(
      await ana(['teams', 'delete', 'acme-labs']),
      1,
      'mem0 teams delete acme-labs --delete-memories',
    );
    expect(await json<TeamJson[]>(ana(['teams', '--json']))).toHaveLength(1);

    const deleted = await json<{ deletedMemories: number }>(
      ana(['teams', 'delete', 'acme-labs', '--delete-memories', '--json']),
    );
    expect(deleted).toEqual({ deletedMemories: 1 });
    expect(await json<TeamJson[]>(ana(['teams', '--json']))).toEqual([]);
    expectFailure(await ana(['teams', 'members', 'acme-labs']), 1, 'No team named "acme-labs"');
  });

  (terminalAvailable ? test : test.skip)('teams delete asks on a terminal', async () => {
    await ana(['teams', 'create', 'beta']);
    await ana(['add', 'Beta launches in March', '--context', 'beta/plans']);

    const rejected = await runInTerminal(['teams', 'delete', 'beta'], { home: anaHome });
    expect(rejected.stdout).toContain('mem0 teams delete beta --delete-memories');
    expect(rejected.stdout).not.toContain('(y/N)');
    expect(rejected.code).toBe(1);

    const declined = await runInTerminal(['teams', 'delete', 'beta', '--delete-memories'], {
      home: anaHome,
      prompt: '(y/N)',
      answer: 'n\r',
    });
    expect(declined.stdout).toContain(
      'Delete team beta (1 member, 1 context with 1 memory)? (y/N)',
    );
    expect(declined.stdout).toContain('Nothing was deleted.');
    expect(declined.code).toBe(0);
    expect((await json<TeamJson[]>(ana(['teams', '--json']))).map((team) => team.name)).toEqual([
      'beta',
    ]);

    const deleted = await runInTerminal(['teams', 'delete', 'beta', '--delete-memories'], {
      home: anaHome,
      prompt: '(y/N)',
      answer: 'y\r',
    });
    expect(deleted.stdout).toContain('Deleted team beta');
    expect(deleted.stdout).toContain('(1 memory)');
    expect(deleted.code).toBe(0);
    expect(await json<TeamJson[]>(ana(['teams', '--json']))).toEqual([]);
  });
});

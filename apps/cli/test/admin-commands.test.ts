import { createHome, parseJson, removeHome, runCli } from './helpers';
import {
  createApiKey,
  registerAccount,
  startTeamServer,
  type TeamServer,
  type Tokens,
} from './team-server';

describe('mem0 admin and mem0 audit', () => {
  let server: TeamServer;
  let adminHome: string;
  let benHome: string;
  let ben: Tokens;
  let benKey: string;

  const login = async (home: string, key: string) => {
    const result = await runCli(['login', server.url, '--with-token', '--insecure-storage'], {
      home,
      input: `${key}\n`,
    });
    if (result.code !== 0) {
      throw new Error(`login failed: ${result.stderr}`);
    }
  };

  beforeAll(async () => {
    server = await startTeamServer();
    const admin = await registerAccount(server.url, 'admin@example.com');
    ben = await registerAccount(server.url, 'ben@example.com');
    benKey = (await createApiKey(server.url, ben.accessToken, 'write')).key;
    adminHome = createHome('admin-commands');
    benHome = createHome('admin-commands-ben');
    await login(adminHome, (await createApiKey(server.url, admin.accessToken, 'write')).key);
    await login(benHome, benKey);
  });

  afterAll(async () => {
    await server.close();
    removeHome(adminHome);
    removeHome(benHome);
  });

  test('admin users lists the accounts', async () => {
    const text = await runCli(['admin', 'users'], { home: adminHome });
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/admin@example\.com\s+admin\s+/);
    expect(text.stdout).toMatch(/ben@example\.com\s+member\s+/);

    const json = parseJson<{ email: string; isAdmin: boolean }[]>(
      (await runCli(['admin', 'users', '--json'], { home: adminHome })).stdout,
    );
    expect(json.map((user) => [user.email, user.isAdmin])).toEqual([
      ['admin@example.com', true],
      ['ben@example.com', false],
    ]);
  });

  test('admin disable stops the account, and enable restores it', async () => {
    const disabled = await runCli(['admin', 'disable', 'BEN@example.com'], { home: adminHome });
    expect(disabled.stdout).toContain('Disabled ben@example.com');

    const rejected = await runCli(['list'], { home: benHome });
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('disabled');

    const enabled = await runCli(['admin', 'enable', ben.user.id], { home: adminHome });
    expect(enabled.stdout).toContain('Enabled ben@example.com');
    expect((await runCli(['list'], { home: benHome })).code).toBe(0);

    const unknown = await runCli(['admin', 'disable', 'nobody@example.com'], { home: adminHome });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('mem0 admin users');
  });

  test('admin grant and revoke change the admin role', async () => {
    const granted = await runCli(['admin', 'grant', 'ben@example.com'], { home: adminHome });
    expect(granted.code).toBe(0);
    expect(granted.stdout).toContain('ben@example.com is an administrator of');
    expect((await runCli(['admin', 'users'], { home: benHome })).code).toBe(0);

    const revoked = await runCli(['admin', 'revoke', 'ben@example.com'], { home: benHome });
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('ben@example.com is no longer an administrator of');

    const last = await runCli(['admin', 'revoke', 'admin@example.com'], { home: adminHome });
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('last active administrator');
  });

  test('admin registration shows and changes the policy', async () => {
    const current = await runCli(['admin', 'registration'], { home: adminHome });
    expect(current.stdout).toContain('open (anyone may register; from MEM0_REGISTRATION)');

    const changed = await runCli(['admin', 'registration', 'closed'], { home: adminHome });
    expect(changed.stdout).toContain('closed (nobody may register; set by an administrator)');
    const response = await fetch(`${server.url}/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'cy@example.com', password: 'correct horse battery' }),
    });
    expect(response.status).toBe(403);

    const reset = await runCli(['admin', 'registration', 'reset'], { home: adminHome });
    expect(reset.stdout).toContain('open (anyone may register; from MEM0_REGISTRATION)');

    const invalid = await runCli(['admin', 'registration', 'everyone'], { home: adminHome });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('Choose one of: open, first-user, closed');
  });

  test('audit shows what happened, filtered', async () => {
    const json = parseJson<{ action: string; targetId: string; actorId: string }[]>(
      (await runCli(['audit', '--action', 'admin.user_disable', '--json'], { home: adminHome }))
        .stdout,
    );
    expect(json.map((event) => [event.action, event.targetId])).toEqual([
      ['admin.user_disable', ben.user.id],
    ]);

    const text = await runCli(['audit', '--actor', 'ben@example.com', '--since', '1h'], {
      home: adminHome,
    });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/auth\.register\s+ben@example\.com/);
    expect(text.stdout).not.toContain('admin@example.com');
    expect(text.stdout).not.toContain(benKey);

    const limited = await runCli(['audit', '-n', '1'], { home: adminHome });
    expect(limited.stdout.trim().split('\n')).toHaveLength(2);
    expect(limited.stderr).toContain('Showing the newest 1 matching events; there are more.');

    const badAction = await runCli(['audit', '--action', 'everything'], { home: adminHome });
    expect(badAction.code).toBe(2);
  });

  test('a member cannot use them', async () => {
    for (const args of [['audit'], ['admin', 'users'], ['admin', 'registration', 'open']]) {
      const result = await runCli(args, { home: benHome });
      expect([args.join(' '), result.code]).toEqual([args.join(' '), 1]);
      expect(result.stderr).toContain("Only the server's administrators");
    }
  });
});

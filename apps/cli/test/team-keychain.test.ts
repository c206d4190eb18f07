// The OS keychain tests. They need a real Secret Service: `pnpm test` runs them inside a private
// D-Bus session with an unlocked gnome-keyring (test/with-keyring.sh). The test process reads
// the keyring through keytar, as the CLI does, to check what the CLI stored there.
import { existsSync } from 'node:fs';

import * as keytar from 'keytar';

import { keys, TerminalSession } from './pseudo-terminal';
import { createHome, parseJson, removeHome, runCli } from './helpers';
import { credentialsFile, OutputLog, readConfigFile, runWithAnswers } from './team-helpers';
import { registerAccount, startTeamServer, type TeamServer, testPassword } from './team-server';

interface StoredSession {
  kind: string;
  refreshToken: string;
  accessToken?: string;
}

async function keychainEntry(profile: string): Promise<StoredSession | null> {
  const text = await keytar.getPassword('mem0', profile);
  return text === null ? null : (JSON.parse(text) as StoredSession);
}

async function refreshStatus(url: string, refreshToken: string): Promise<number> {
  const response = await fetch(`${url}/v1/auth/refresh`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  await response.body?.cancel();
  return response.status;
}

const outputs = new OutputLog();
/** Secrets that no output may contain, collected as the tests create them. */
const secrets = new Set<string>([testPassword]);

describe('team mode with the OS keychain', () => {
  let server: TeamServer;
  let home: string;
  let profile: string;

  beforeAll(async () => {
    if (
      process.env.MEM0_TEST_KEYRING !== 'gnome-keyring' ||
      !process.env.DBUS_SESSION_BUS_ADDRESS
    ) {
      throw new Error(
        'The keychain tests need a D-Bus session with an unlocked gnome-keyring. Run them with "pnpm test" (test/with-keyring.sh starts one).',
      );
    }
    server = await startTeamServer();
    profile = new URL(server.url).host;
    await registerAccount(server.url, 'ana@example.com');
    home = createHome('keychain');
  });

  afterAll(async () => {
    await server.close();
    removeHome(home);
  });

  const cli = async (label: string, args: string[], input?: string) =>
    outputs.record(label, await runCli(args, { home, input }));

  it('password login stores the session in the keychain', async () => {
    const result = await runWithAnswers(
      ['login', server.url],
      { email: 'ana@example.com', password: testPassword },
      { home },
    );
    outputs.recordText('login on a terminal', result.output);

    expect(result.code).toBe(0);
    expect(result.output).toContain(`Logged in to ${server.url} as ana@example.com`);
    expect(result.output).toContain(`Profile ${profile} is now active`);
    // The terminal is back in normal mode after the hidden password prompt.
    expect(result.canonical).toBe(true);
    expect(result.echo).toBe(true);

    const stored = await keychainEntry(profile);
    expect(stored?.kind).toBe('session');
    expect(stored?.refreshToken).toMatch(/^m0r_/);
    expect(stored?.accessToken).toMatch(/^eyJ/);
    secrets.add(stored!.refreshToken);
    secrets.add(stored!.accessToken!);
  });

  it('config file holds the profile without secrets', async () => {
    const config = readConfigFile(home);

    expect(config.json.activeProfile).toBe(profile);
    expect(config.json.profiles).toEqual([
      {
        name: profile,
        url: server.url,
        account: 'ana@example.com',
        credential: 'keychain',
        auth: 'session',
      },
    ]);
    for (const secret of secrets) {
      expect(config.text).not.toContain(secret);
    }
    expect(existsSync(credentialsFile(home))).toBe(false);
  });

  it('whoami reports the keychain session', async () => {
    const result = await cli('whoami', ['whoami']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Profile:  ${profile}`);
    expect(result.stdout).toContain(`Server:   ${server.url}`);
    expect(result.stdout).toContain('Account:  ana@example.com');
    expect(result.stdout).toContain('session in the OS keychain');
  });

  it('memory commands use the team server', async () => {
    const added = await cli('add', ['add', 'Stored through the keychain session', '--json']);
    expect(added.code).toBe(0);
    const memory = parseJson<{ id: string }>(added.stdout);

    const rows = await server.query<{ content: string }>(
      'SELECT content FROM memories WHERE id = $1',
      [memory.id],
    );
    expect(rows.map((row) => row.content)).toEqual(['Stored through the keychain session']);

    const found = await cli('search', ['search', 'keychain', '--json']);
    expect(parseJson<{ id: string }[]>(found.stdout).map((hit) => hit.id)).toEqual([memory.id]);
  });

  it('keys create prints a working key once', async () => {
    const created = await cli('keys create', [
      'keys',
      'create',
      'laptop-mcp',
      '--scope',
      'write',
      '--json',
    ]);
    expect(created.code).toBe(0);
    const key = parseJson<{ id: string; key: string; scope: string }>(created.stdout);
    expect(key.key).toMatch(/^m0k_/);
    expect(key.scope).toBe('write');
    secrets.add(key.key);

    const listed = await cli('keys list', ['keys', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(key.id);
    expect(listed.stdout).toContain('laptop-mcp');
    expect(listed.stdout).toContain('active');
    expect(listed.stdout).not.toContain(key.key);

    const withKey = outputs.record(
      'whoami with the new key',
      await runCli(['whoami', '--json'], {
        home,
        env: { MEM0_SERVER: server.url, MEM0_API_KEY: key.key },
      }),
    );
    expect(withKey.code).toBe(0);
    expect(parseJson<{ via: string; scope: string }>(withKey.stdout)).toMatchObject({
      via: 'api_key',
      scope: 'write',
    });

    const revoked = await cli('keys revoke', ['keys', 'revoke', key.id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked the API key ${key.id}`);

    const afterRevoke = outputs.record(
      'whoami with the revoked key',
      await runCli(['whoami'], { home, env: { MEM0_SERVER: server.url, MEM0_API_KEY: key.key } }),
    );
    expect(afterRevoke.code).toBe(1);
    expect(afterRevoke.stderr).toMatch(/^error: /);
  });

  it('token login stores the API key in the keychain', async () => {
    const created = await cli('keys create for ci', ['keys', 'create', 'ci', '--json']);
    const key = parseJson<{ key: string; scope: string }>(created.stdout);
    expect(key.scope).toBe('read');
    secrets.add(key.key);

    const result = await cli(
      'login --with-token',
      ['login', server.url, '--with-token', '--profile', 'ci'],
      `${key.key}\n`,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'as ana@example.com with an API key. Profile ci is now active.',
    );
    expect(JSON.parse((await keytar.getPassword('mem0', 'ci'))!)).toEqual({
      kind: 'api_key',
      key: key.key,
    });

    const whoami = await cli('whoami ci', ['whoami']);
    expect(whoami.stdout).toContain('Profile:  ci');
    expect(whoami.stdout).toContain('API key in the OS keychain, scope read');
  });

  it('profiles lists both and switches', async () => {
    const listed = await cli('profiles', ['profiles', '--json']);
    expect(listed.code).toBe(0);
    const entries = parseJson<{ name: string; active: boolean }[]>(listed.stdout);
    // local comes first, then the server profiles by name; digits sort before letters.
    expect(entries.map((entry) => [entry.name, entry.active])).toEqual([
      ['local', false],
      [profile, false],
      ['ci', true],
    ]);

    const used = await cli('profiles use', ['profiles', 'use', profile]);
    expect(used.code).toBe(0);
    expect(readConfigFile(home).json.activeProfile).toBe(profile);

    const human = await cli('profiles human', ['profiles']);
    expect(human.stdout).toMatch(new RegExp(`^\\* ${profile.replace(/\./g, '\\.')}\\s`, 'm'));
    expect(human.stdout).toMatch(/^ {2}ci\s/m);
  });

  it('profiles remove deletes the keychain entry', async () => {
    const removed = await cli('profiles remove', ['profiles', 'remove', 'ci']);

    expect(removed.code).toBe(0);
    expect(await keytar.getPassword('mem0', 'ci')).toBeNull();
    expect(readConfigFile(home).json.profiles.map((entry) => entry.name)).toEqual([profile]);
  });

  it('logout ends the session and deletes the secret', async () => {
    const before = await keychainEntry(profile);
    expect(before?.kind).toBe('session');

    const result = await cli('logout', ['logout']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Logged out of ${server.url}`);
    expect(await keytar.getPassword('mem0', profile)).toBeNull();
    expect(await refreshStatus(server.url, before!.refreshToken)).toBe(401);
    const sessions = await server.query<{ revoked_reason: string | null }>(
      'SELECT revoked_reason FROM sessions WHERE revoked_at IS NOT NULL',
    );
    expect(sessions.map((session) => session.revoked_reason)).toContain('logout');

    const after = await cli('list after logout', ['list']);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain(`Profile "${profile}" has no stored login`);
    expect(after.stderr).toContain(`mem0 login ${server.url} --profile ${profile}`);
  });

  it('login again reuses the profile URL', async () => {
    const result = await runWithAnswers(
      ['login'],
      { email: 'ana@example.com', password: testPassword },
      { home },
    );
    outputs.recordText('login without URL', result.output);

    expect(result.code).toBe(0);
    expect(result.output).toContain(`Logged in to ${server.url}`);
    const stored = await keychainEntry(profile);
    secrets.add(stored!.refreshToken);
    expect((await cli('whoami again', ['whoami'])).code).toBe(0);
  });

  it('wrong password stores nothing', async () => {
    const other = createHome('keychain-wrong');
    try {
      const result = await runWithAnswers(
        ['login', server.url, '--profile', 'wrong'],
        { email: 'ana@example.com', password: 'not the password' },
        { home: other },
      );
      outputs.recordText('wrong password', result.output);

      expect(result.code).toBe(1);
      expect(result.output).toMatch(/error: .*(email|password)/i);
      expect(await keytar.getPassword('mem0', 'wrong')).toBeNull();
      expect(existsSync(`${other}/config.json`)).toBe(false);
    } finally {
      removeHome(other);
    }
  });

  it('Ctrl-C at the password cancels', async () => {
    const other = createHome('keychain-cancel');
    const session = new TerminalSession(['login', server.url, '--profile', 'cancelled'], {
      home: other,
    });
    try {
      await session.waitFor('Email');
      session.type('ana@example.com' + keys.enter);
      await session.waitFor('Password', session.mark());
      session.type(keys.ctrlC);
      const exit = await session.exit();

      expect(exit.exitCode).toBe(130);
      expect(session.output).toContain('Cancelled. Nothing was stored.');
      expect(await keytar.getPassword('mem0', 'cancelled')).toBeNull();
    } finally {
      session.kill();
      removeHome(other);
    }
  });

  it('register creates an account and logs in', async () => {
    const other = createHome('keychain-register');
    try {
      const result = await runWithAnswers(
        ['register', server.url, '--profile', 'bob'],
        { email: 'bob@example.com', password: testPassword, confirm: true },
        { home: other },
      );
      outputs.recordText('register', result.output);

      expect(result.code).toBe(0);
      expect(result.output).toContain(`Logged in to ${server.url} as bob@example.com`);
      const stored = await keychainEntry('bob');
      expect(stored?.kind).toBe('session');
      secrets.add(stored!.refreshToken);

      const whoami = outputs.record(
        'whoami bob',
        await runCli(['whoami', '--json'], { home: other }),
      );
      expect(parseJson<{ account: string; profile: string }>(whoami.stdout)).toMatchObject({
        account: 'bob@example.com',
        profile: 'bob',
      });
    } finally {
      removeHome(other);
    }
  });

  it('logout with the server down still deletes', async () => {
    const other = createHome('keychain-down');
    const shortLived = await startTeamServer();
    try {
      await registerAccount(shortLived.url, 'cy@example.com');
      const login = await runWithAnswers(
        ['login', shortLived.url, '--profile', 'down'],
        { email: 'cy@example.com', password: testPassword },
        { home: other },
      );
      expect(login.code).toBe(0);
      secrets.add((await keychainEntry('down'))!.refreshToken);
    } finally {
      await shortLived.close();
    }

    try {
      const result = outputs.record(
        'logout with the server down',
        await runCli(['logout'], { home: other }),
      );

      expect(result.code).toBe(0);
      expect(result.stderr).toContain(`the session could not be ended on ${shortLived.url}`);
      expect(result.stderr).toContain('stays valid on the server until it expires');
      expect(result.stdout).toContain('the stored secret is deleted');
      expect(await keytar.getPassword('mem0', 'down')).toBeNull();
    } finally {
      removeHome(other);
    }
  });

  it('no output contains a secret', () => {
    expect(outputs.size).toBeGreaterThan(20);
    for (const secret of secrets) {
      const leaks = outputs
        .containing(secret)
        // `keys create` prints its new key once, by design.
        .filter((label) => !label.startsWith('keys create'));
      expect({ secret: secret.slice(0, 6), leaks }).toEqual({
        secret: secret.slice(0, 6),
        leaks: [],
      });
    }
  });
});

describe('session refresh with the OS keychain', () => {
  let server: TeamServer;
  let home: string;
  let profile: string;

  beforeAll(async () => {
    // Access tokens live 1 s, so every command after a short wait must refresh the session.
    server = await startTeamServer({ accessTokenLifetimeSeconds: 1 });
    profile = new URL(server.url).host;
    await registerAccount(server.url, 'dee@example.com');
    home = createHome('keychain-refresh');
  });

  afterAll(async () => {
    await server.close();
    removeHome(home);
  });

  it('refreshed tokens are saved back', async () => {
    const login = await runWithAnswers(
      ['login', server.url],
      { email: 'dee@example.com', password: testPassword },
      { home },
    );
    expect(login.code).toBe(0);
    const first = (await keychainEntry(profile))!;

    // Each command refreshes. If the new refresh token were not saved, the next command would
    // present a used one, so the server would revoke the whole session.
    const seen = [first.refreshToken];
    for (const round of [1, 2, 3]) {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const result = await runCli(['add', `Refresh round ${round}`], {
        home,
        env: { LOG_LEVEL: 'debug' },
      });
      outputs.record(`add after refresh ${round}`, result);

      expect(result.code).toBe(0);
      expect(result.stderr).toContain('saved the refreshed session tokens');
      const stored = (await keychainEntry(profile))!;
      expect(seen).not.toContain(stored.refreshToken);
      seen.push(stored.refreshToken);
      secrets.add(stored.refreshToken);
      secrets.add(stored.accessToken!);
    }

    // One session from the registration, one from the login; neither was revoked.
    const sessions = await server.query<{ revoked_at: Date | null }>(
      'SELECT revoked_at FROM sessions',
    );
    expect(sessions).toEqual([{ revoked_at: null }, { revoked_at: null }]);
    for (const secret of secrets) {
      expect(outputs.containing(secret).filter((label) => label.startsWith('add after'))).toEqual(
        [],
      );
    }
  });
});

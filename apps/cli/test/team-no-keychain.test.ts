// Team mode without a usable OS keychain: no D-Bus session, a D-Bus socket that never responds,
// or a keytar module that cannot load. Also the opt-in credentials file, profile selection and
// the config file.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';

import { createHome, parseJson, removeHome, runCli, stackLinePattern } from './helpers';
import { credentialsFile, OutputLog, readConfigFile, readCredentialsFile } from './team-helpers';
import {
  createApiKey,
  registerAccount,
  startTeamServer,
  type TeamServer,
  unusedPort,
} from './team-server';

const guardPath = resolve(__dirname, 'module-guard', 'register.mjs');

/** The child's environment without any D-Bus session or display, so keytar finds no keychain. */
const noKeychain = { DBUS_SESSION_BUS_ADDRESS: undefined, DISPLAY: undefined };

const outputs = new OutputLog();

describe('team mode without a keychain', () => {
  let server: TeamServer;
  let root: string;
  let writeKey: string;
  let profile: string;

  beforeAll(async () => {
    server = await startTeamServer();
    profile = new URL(server.url).host;
    const account = await registerAccount(server.url, 'ana@example.com');
    writeKey = (await createApiKey(server.url, account.accessToken, 'write')).key;
    root = createHome('no-keychain');
  });

  afterAll(async () => {
    await server.close();
    removeHome(root);
  });

  /** Create a fresh MEM0_HOME under the test root. */
  const newHome = (name: string) => {
    const home = join(root, name);
    mkdirSync(home, { recursive: true });
    return home;
  };

  /** Write a config whose active profile keeps an API key in the keychain. */
  const writeKeychainProfile = (home: string) =>
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({
        version: 1,
        activeProfile: profile,
        profiles: [
          {
            name: profile,
            url: server.url,
            account: 'ana@example.com',
            credential: 'keychain',
            auth: 'api_key',
          },
        ],
      }),
    );

  /** Run the CLI with the module guard: it logs the imported packages and can block some. */
  const guarded = (home: string, args: string[], block: string, extra = {}, input?: string) => {
    const log = join(home, `modules-${Date.now()}.log`);
    return runCli(args, {
      home,
      input,
      env: {
        ...noKeychain,
        NODE_OPTIONS: `--import ${guardPath}`,
        MODULE_GUARD_LOG: log,
        MODULE_GUARD_BLOCK: block,
        ...extra,
      },
    }).then((result) => ({
      ...result,
      modules: existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [],
    }));
  };

  it('login fails fast with advice', async () => {
    const home = newHome('fails-fast');
    const result = outputs.record(
      'login without keychain',
      await runCli(['login', server.url, '--with-token'], {
        home,
        input: writeKey,
        env: noKeychain,
      }),
    );

    expect(result.code).toBe(1);
    expect(result.elapsedMs).toBeLessThan(2_000);
    expect(result.stderr).toContain('error: The OS keychain cannot be used');
    expect(result.stderr).toContain('install and unlock a keyring');
    expect(result.stderr).toContain('--insecure-storage');
    expect(result.stderr).toContain('MEM0_SERVER and MEM0_API_KEY');
    expect(result.stderr).not.toMatch(stackLinePattern);
    expect(existsSync(join(home, 'config.json'))).toBe(false);
  });

  describe('with a D-Bus socket that never answers', () => {
    let bus: Server;
    const connections: Socket[] = [];
    let socketPath: string;

    beforeAll(async () => {
      socketPath = join(root, 'silent-bus.sock');
      // Accepts connections and reads, but never replies: a hung Secret Service.
      bus = createServer((connection) => {
        connections.push(connection);
        connection.resume();
      });
      await new Promise<void>((ready) => bus.listen(socketPath, ready));
    });

    afterAll(async () => {
      connections.forEach((connection) => connection.destroy());
      await new Promise<void>((closed) => bus.close(() => closed()));
    });

    it('commands fail within 2 s', async () => {
      const home = newHome('hung-bus');
      writeKeychainProfile(home);
      const result = outputs.record(
        'list with a hung keychain',
        await runCli(['list'], {
          home,
          env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${socketPath}`, DISPLAY: undefined },
        }),
      );

      expect(result.code).toBe(1);
      expect(result.elapsedMs).toBeLessThan(2_000);
      expect(result.stderr).toContain('error: The OS keychain did not answer within 1.2 s');
      expect(result.stderr).toContain('--insecure-storage');
    });

    it('login fails within 2 s', async () => {
      const home = newHome('hung-bus-login');
      const result = outputs.record(
        'login with a hung keychain',
        await runCli(['login', server.url, '--with-token'], {
          home,
          input: writeKey,
          env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${socketPath}`, DISPLAY: undefined },
        }),
      );

      expect(result.code).toBe(1);
      expect(result.elapsedMs).toBeLessThan(2_000);
      expect(result.stderr).toContain('did not answer');
      expect(existsSync(join(home, 'config.json'))).toBe(false);
    });
  });

  it('environment key never loads keytar', async () => {
    const home = newHome('environment');
    writeKeychainProfile(home);
    const environment = { MEM0_SERVER: server.url, MEM0_API_KEY: writeKey };

    const added = await guarded(home, ['add', 'Added with MEM0_API_KEY'], 'keytar', environment);
    outputs.record('add with the environment key', added);
    expect(added.code).toBe(0);
    expect(added.modules).toContain('@memzero/client');
    expect(added.modules).not.toContain('keytar');

    const whoami = await guarded(home, ['whoami', '--json'], 'keytar', environment);
    outputs.record('whoami with the environment key', whoami);
    expect(whoami.code).toBe(0);
    expect(parseJson<{ profile: null; credential: string }>(whoami.stdout)).toMatchObject({
      profile: null,
      credential: 'environment',
    });
    expect(whoami.modules).not.toContain('keytar');
  });

  it('stored profile does load keytar', async () => {
    // The check above can fail: the same guard logs keytar when the profile's secret is read.
    const home = newHome('guard-control');
    writeKeychainProfile(home);

    const result = await guarded(home, ['list'], 'keytar');
    outputs.record('list with keytar blocked', result);

    expect(result.code).toBe(1);
    expect(result.modules).toContain('keytar');
    expect(result.stderr).toContain('The keytar module, which mem0 uses to reach the OS keychain');
  });

  it('missing keytar explains the file opt-in', async () => {
    const home = newHome('no-keytar');
    const result = await guarded(
      home,
      ['login', server.url, '--with-token'],
      'keytar',
      {},
      writeKey,
    );
    outputs.record('login with keytar blocked', result);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot be loaded');
    expect(result.stderr).toContain('log in with --insecure-storage');
  });

  it('insecure storage writes a private file', async () => {
    const home = newHome('insecure');
    const login = await guarded(
      home,
      ['login', server.url, '--with-token', '--insecure-storage'],
      'keytar',
      {},
      `${writeKey}\n`,
    );
    outputs.record('login --insecure-storage', login);

    expect(login.code).toBe(0);
    expect(login.modules).not.toContain('keytar');
    expect(login.stderr).toContain(
      `warning: the credentials are stored unencrypted in ${credentialsFile(home)} (mode 0600)`,
    );
    expect(statSync(credentialsFile(home)).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'config.json')).mode & 0o777).toBe(0o600);
    expect(readCredentialsFile(home)[profile]).toEqual({ kind: 'api_key', key: writeKey });

    const config = readConfigFile(home);
    expect(config.text).not.toContain(writeKey);
    expect(config.json.profiles[0]).toMatchObject({ credential: 'file', auth: 'api_key' });

    const whoami = await guarded(home, ['whoami'], 'keytar');
    outputs.record('whoami from the file', whoami);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toContain('API key in the credentials file');

    // Logging in again to the same profile keeps using the file, without the flag.
    const again = await guarded(
      home,
      ['login', server.url, '--with-token'],
      'keytar',
      {},
      writeKey,
    );
    outputs.record('login again to a file profile', again);
    expect(again.code).toBe(0);
    expect(again.modules).not.toContain('keytar');
    expect(readCredentialsFile(home)[profile]).toEqual({ kind: 'api_key', key: writeKey });
  });

  it('config opt-in uses the file too', async () => {
    const home = newHome('config-opt-in');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ version: 1, insecureStorage: true }));

    const login = await guarded(
      home,
      ['login', server.url, '--with-token'],
      'keytar',
      {},
      writeKey,
    );
    outputs.record('login with insecureStorage in the config', login);

    expect(login.code).toBe(0);
    expect(login.stderr).toContain('warning: the credentials are stored unencrypted');
    expect(readCredentialsFile(home)[profile]).toEqual({ kind: 'api_key', key: writeKey });
    expect(readConfigFile(home).json.insecureStorage).toBe(true);
  });

  it('logout deletes the file entry', async () => {
    const home = join(root, 'insecure');
    const result = outputs.record('logout from the file', await runCli(['logout'], { home }));

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Logging out does not revoke the API key');
    expect(readCredentialsFile(home)[profile]).toBeUndefined();
    expect(statSync(credentialsFile(home)).mode & 0o777).toBe(0o600);
  });

  it('help loads no packages', async () => {
    const home = newHome('help');
    writeKeychainProfile(home);

    for (const args of [['--help'], ['login', '--help'], ['--version'], ['profiles', '--help']]) {
      const result = await guarded(home, args, '');
      expect(result.code).toBe(0);
      expect(result.modules).toEqual([]);
    }
  });

  it('no output contains a secret', () => {
    expect(outputs.size).toBeGreaterThan(10);
    expect(outputs.containing(writeKey)).toEqual([]);
  });
});

describe('profile selection', () => {
  let server: TeamServer;
  let home: string;
  let writeKey: string;

  beforeAll(async () => {
    server = await startTeamServer();
    const account = await registerAccount(server.url, 'eve@example.com');
    writeKey = (await createApiKey(server.url, account.accessToken, 'write')).key;
    home = createHome('profile-selection');
    const login = await runCli(
      ['login', server.url, '--with-token', '--insecure-storage', '--profile', 'team'],
      { home, input: writeKey, env: noKeychain },
    );
    if (login.code !== 0) {
      throw new Error(`login failed: ${login.stderr}`);
    }
    const local = await runCli(['add', 'Only in the local store', '--profile', 'local'], { home });
    if (local.code !== 0) {
      throw new Error(`local add failed: ${local.stderr}`);
    }
  });

  afterAll(async () => {
    await server.close();
    removeHome(home);
  });

  const contents = async (args: string[], env: Record<string, string | undefined> = {}) => {
    const result = await runCli([...args, '--json'], { home, env: { ...noKeychain, ...env } });
    if (result.code !== 0) {
      throw new Error(`mem0 ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
    }
    return parseJson<{ content: string }[]>(result.stdout).map((memory) => memory.content);
  };

  it('active profile is the default', async () => {
    expect(readConfigFile(home).json.activeProfile).toBe('team');
    await runCli(['add', 'Only on the team server'], { home, env: noKeychain });

    expect(await contents(['list'])).toEqual(['Only on the team server']);
  });

  it('MEM0_PROFILE and --profile choose', async () => {
    expect(await contents(['list'], { MEM0_PROFILE: 'local' })).toEqual([
      'Only in the local store',
    ]);
    expect(await contents(['list', '--profile', 'team'], { MEM0_PROFILE: 'local' })).toEqual([
      'Only on the team server',
    ]);
  });

  it('environment server beats the active profile', async () => {
    const other = await startTeamServer();
    try {
      const account = await registerAccount(other.url, 'fay@example.com');
      const key = (await createApiKey(other.url, account.accessToken, 'write')).key;
      const environment = { MEM0_SERVER: other.url, MEM0_API_KEY: key };
      await runCli(['add', 'On the other server'], {
        home,
        env: { ...noKeychain, ...environment },
      });

      expect(await contents(['list'], environment)).toEqual(['On the other server']);
      expect(await contents(['list', '--profile', 'team'], environment)).toEqual([
        'Only on the team server',
      ]);
    } finally {
      await other.close();
    }
  });

  it.each([
    [{ MEM0_SERVER: 'http://127.0.0.1:1' }, 'MEM0_SERVER is set but MEM0_API_KEY is not'],
    [{ MEM0_API_KEY: 'm0k_x' }, 'MEM0_API_KEY is set but MEM0_SERVER is not'],
    [{ MEM0_SERVER: 'ftp://127.0.0.1', MEM0_API_KEY: 'm0k_x' }, 'must start with http://'],
    [{ MEM0_PROFILE: 'nobody' }, 'No profile is named "nobody"'],
    [{ MEM0_PROFILE: 'bad name' }, 'is not a valid profile name'],
  ])('bad selection %j is explained', async (env, message) => {
    const result = await runCli(['list'], { home, env });

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(stackLinePattern);
  });

  it.each([
    [['login', 'not a url'], 'is not a URL'],
    [['login', 'ftp://127.0.0.1:21'], 'must start with http:// or https://'],
    [['login', 'http://eve:hunter2@127.0.0.1:1'], 'must not contain a user name or password'],
    [['login', 'http://127.0.0.1:1', '--profile', 'local'], 'needs no login'],
    [['keys', 'create', 'k', '--scope', 'admin'], '--scope "admin" is not a scope'],
    [['profiles', 'use', 'nobody'], 'No profile is named "nobody"'],
    [['profiles', 'remove', 'local'], 'cannot be removed'],
  ])('mem0 %j is rejected', async (args, message) => {
    const result = await runCli(args, { home, env: noKeychain, input: writeKey });

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr).not.toMatch(stackLinePattern);
  });

  it('unreachable server is reported', async () => {
    const port = await unusedPort();
    const result = await runCli(['login', `http://127.0.0.1:${port}`, '--with-token'], {
      home,
      env: noKeychain,
      input: writeKey,
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot reach the mem0 server at http://127.0.0.1:${port}`);
  });

  it('broken config is explained', async () => {
    const broken = createHome('broken-config');
    try {
      writeFileSync(join(broken, 'config.json'), '{"profiles": [');
      const result = await runCli(['list'], { home: broken });

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`The configuration file ${join(broken, 'config.json')}`);
      expect(result.stderr).toContain('is not valid JSON');
      expect(result.stderr).not.toMatch(stackLinePattern);
    } finally {
      removeHome(broken);
    }
  });

  it('removing the active profile activates local', async () => {
    const result = await runCli(['profiles', 'remove', 'team'], { home, env: noKeychain });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Profile local is now active.');
    expect(readConfigFile(home).json).toMatchObject({ activeProfile: 'local', profiles: [] });
    expect(readCredentialsFile(home).team).toBeUndefined();
    expect(await contents(['list'])).toEqual(['Only in the local store']);
  });
});

import type { ApiClient } from '@memzero/client';
import { invalidArgument, type Team } from '@memzero/core';

import {
  type AuthMethod,
  checkProfileName,
  type Config,
  type CredentialStorage,
  findProfile,
  localProfileName,
  normalizeServerUrl,
  profileNameForUrl,
  readConfig,
  type ServerProfile,
  withProfile,
  writeConfig,
} from '../config.js';
import {
  checkKeychain,
  deleteSecret,
  insecureStorageWarning,
  readSecret,
  type StoredSecret,
  writeSecret,
} from '../credentials.js';
import { colorsFor, type CommandIO, readAll, writeLine } from '../io.js';
import { createCommandLogger } from '../logger.js';
import { askEmail, askPassword, PromptCancelled, requireTerminal } from '../prompts.js';
import { joinedMessage } from './teams.js';
import type { RequestSpec } from '@memzero/client';

export interface LoginOptions {
  withToken?: boolean;
  insecureStorage?: boolean;
  /** An invite token to redeem with the login, so that the account joins its team. */
  invite?: string;
}

/** The profile a login writes, and where its secret goes. */
interface LoginPlan {
  config: Config;
  name: string;
  url: string;
  existing: ServerProfile | undefined;
  storage: CredentialStorage;
}

/**
 * Log in to a team server and make its profile active: with email and password asked on the
 * terminal (a session), or with `--with-token` and an API key read from stdin.
 */
export async function login(
  urlArgument: string | undefined,
  options: LoginOptions,
  io: CommandIO,
): Promise<number> {
  const plan = planLogin(urlArgument, options, io.env, 'login');
  const inviteToken = parseInviteToken(options.invite);
  const { ApiClient } = await import('@memzero/client');

  if (options.withToken) {
    const key = await readToken(io);
    const client = new ApiClient({ baseUrl: plan.url, credentials: { kind: 'api_key', key } });
    const me = await client.me();
    // Redeemed before the profile is written, so that a bad invite leaves nothing stored, as
    // with a password login, where the server checks the invite first.
    const team = inviteToken === undefined ? undefined : await client.acceptInvite(inviteToken);
    await saveLogin(plan, { kind: 'api_key', key }, me.email ?? '', 'api_key', io, client);
    printJoinedTeam(team, io);
    return 0;
  }

  return interactively(async () => {
    requireTerminal(io, 'login');
    if (plan.storage === 'keychain') {
      // Fail before the password is typed when it could not be stored afterwards.
      await checkKeychain(plan.name);
    }
    const client = new ApiClient({ baseUrl: plan.url });
    await checkServer(client);
    const email = await askEmail(io, plan.existing?.url === plan.url ? plan.existing.account : '');
    const password = await askPassword(io);

    const tokens = await client.login(email, password, { inviteToken });
    const secret: StoredSecret = {
      kind: 'session',
      refreshToken: tokens.refreshToken,
      accessToken: tokens.accessToken,
    };
    await saveLogin(plan, secret, tokens.user.email ?? email, 'session', io, client);
    printJoinedTeam(tokens.team, io);
    return 0;
  }, io);
}

/**
 * Create an account on a team server and log in. The server's registration policy must allow
 * it, or `--invite` must carry a valid invite for the email, which also joins its team.
 */
export async function register(
  urlArgument: string | undefined,
  options: Pick<LoginOptions, 'insecureStorage' | 'invite'>,
  io: CommandIO,
): Promise<number> {
  const plan = planLogin(urlArgument, options, io.env, 'register');
  const inviteToken = parseInviteToken(options.invite);
  const { ApiClient } = await import('@memzero/client');

  return interactively(async () => {
    requireTerminal(io, 'register');
    if (plan.storage === 'keychain') {
      await checkKeychain(plan.name);
    }
    const client = new ApiClient({ baseUrl: plan.url });
    await checkServer(client);
    const email = await askEmail(io);
    const password = await askPassword(io, true);

    const tokens = await client.register({ email, password, inviteToken });
    const secret: StoredSecret = {
      kind: 'session',
      refreshToken: tokens.refreshToken,
      accessToken: tokens.accessToken,
    };
    await saveLogin(plan, secret, tokens.user.email ?? email, 'session', io, client);
    printJoinedTeam(tokens.team, io);
    return 0;
  }, io);
}

function parseInviteToken(value: string | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const token = value.trim();
  if (token === '' || /\s/.test(token)) {
    throw invalidArgument(
      '--invite expects the invite token that a team admin sent you, one word without spaces.',
    );
  }
  return token;
}

function printJoinedTeam(team: Team | undefined, io: CommandIO): void {
  if (team !== undefined) {
    writeLine(io.stdout, joinedMessage(team, colorsFor(io.stdout, io.env)));
  }
}

/**
 * Fail before asking for a password when the server does not answer: a typo in the URL or a
 * stopped server is reported at once.
 */
async function checkServer(client: {
  requestJson<T>(spec: RequestSpec): Promise<T>;
}): Promise<void> {
  await client.requestJson({ method: 'GET', path: '/healthz', idempotent: true, anonymous: true });
}

/**
 * Work out the profile name, server URL and secret storage of a login. The profile is the one
 * named by `--profile` (or `MEM0_PROFILE`), otherwise the URL's host and port. Without a URL,
 * the named or active profile's server is used again.
 */
function planLogin(
  urlArgument: string | undefined,
  options: Pick<LoginOptions, 'insecureStorage'>,
  env: NodeJS.ProcessEnv,
  command: string,
): LoginPlan {
  const config = readConfig(env);
  const requested = env.MEM0_PROFILE?.trim() ? checkProfileName(env.MEM0_PROFILE.trim()) : '';
  if (requested === localProfileName) {
    throw invalidArgument(
      `The profile "local" is the local database and needs no login. Give another name with --profile, or none to name the profile after the server.`,
    );
  }

  let url: string;
  if (urlArgument !== undefined) {
    url = normalizeServerUrl(urlArgument);
  } else {
    const known = findProfile(config, requested || config.activeProfile);
    if (known === undefined) {
      throw invalidArgument(
        `Give the URL of the team server, as in: mem0 ${command} http://127.0.0.1:13370`,
      );
    }
    url = known.url;
  }

  const name = requested || profileNameForUrl(url);
  const existing = findProfile(config, name);
  // A profile that already keeps its secret in the file keeps doing so: logging in again after
  // an ended session must not require --insecure-storage a second time.
  const storage: CredentialStorage =
    options.insecureStorage || config.insecureStorage || existing?.credential === 'file'
      ? 'file'
      : 'keychain';
  return { config, name, url, existing, storage };
}

/**
 * Store the secret of a new login, then write the profile and make it active. A login whose
 * secret cannot be stored ends its new session, so that no unreachable session stays behind.
 * The secret of the profile's previous login is deleted, and its session ended when the server
 * responds.
 */
async function saveLogin(
  plan: LoginPlan,
  secret: StoredSecret,
  account: string,
  auth: AuthMethod,
  io: CommandIO,
  client: ApiClient,
): Promise<void> {
  const { env } = io;
  const logger = createCommandLogger(env, io.stderr);
  const previous = await previousSecret(plan, env);

  try {
    await writeSecret(env, plan.name, plan.storage, secret);
  } catch (error) {
    if (secret.kind === 'session') {
      await client.logout().catch(() => undefined);
    }
    throw error;
  }

  if (plan.existing && plan.existing.credential !== plan.storage) {
    await deleteSecret(env, plan.name, plan.existing.credential).catch((error: Error) => {
      logger.warn({ profile: plan.name, reason: error.message }, 'could not delete the old secret');
    });
  }
  if (previous?.kind === 'session' && plan.existing) {
    await endSession(plan.existing.url, previous.refreshToken);
  }

  const profile: ServerProfile = {
    name: plan.name,
    url: plan.url,
    account,
    credential: plan.storage,
    auth,
  };
  writeConfig(env, { ...withProfile(plan.config, profile), activeProfile: plan.name });

  if (plan.storage === 'file') {
    writeLine(io.stderr, insecureStorageWarning(env));
  }
  const colors = colorsFor(io.stdout, io.env);
  const how = auth === 'session' ? '' : ' with an API key';
  writeLine(
    io.stdout,
    `Logged in to ${plan.url} as ${colors.green(account)}${how}. Profile ${colors.yellow(plan.name)} is now active.`,
  );
}

async function previousSecret(
  plan: LoginPlan,
  env: NodeJS.ProcessEnv,
): Promise<StoredSecret | undefined> {
  if (plan.existing === undefined) {
    return undefined;
  }
  try {
    return await readSecret(env, plan.name, plan.existing.credential);
  } catch {
    // An unreadable old secret must not block the new login; it is overwritten or deleted.
    return undefined;
  }
}

/** End a session on the server, ignoring every failure: the session then simply expires. */
async function endSession(url: string, refreshToken: string): Promise<void> {
  const { ApiClient } = await import('@memzero/client');
  const client = new ApiClient({
    baseUrl: url,
    credentials: { kind: 'session', refreshToken },
    timeoutMs: 5_000,
    retries: 0,
  });
  await client.logout().catch(() => undefined);
}

/** Read an API key from stdin for `--with-token`. */
async function readToken(io: CommandIO): Promise<string> {
  if (io.stdin.isTTY === true) {
    throw invalidArgument(
      '--with-token reads the API key from stdin. Pipe it in, as in: mem0 login URL --with-token < key.txt',
    );
  }
  const key = (await readAll(io.stdin)).trim();
  if (key === '') {
    throw invalidArgument(
      '--with-token read nothing from stdin. Pipe an API key in, as in: mem0 login URL --with-token < key.txt',
    );
  }
  if (/\s/.test(key)) {
    throw invalidArgument(
      '--with-token expects one API key on stdin, without spaces or further lines.',
    );
  }
  return key;
}

/** Run the interactive part of a command; a cancelled question exits with 130, as SIGINT does. */
async function interactively(work: () => Promise<number>, io: CommandIO): Promise<number> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PromptCancelled) {
      writeLine(io.stderr, 'Cancelled. Nothing was stored.');
      return 130;
    }
    throw error;
  }
}

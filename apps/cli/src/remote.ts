import type { ApiClient, Credentials } from '@memzero/client';
import { invalidArgument, Mem0Error, type MemoryStore } from '@memzero/core';

import type { ServerProfile } from './config.js';
import { readSecret, writeSecret } from './credentials.js';
import { createCommandLogger } from './logger.js';
import { resolveTarget, type Target } from './target.js';

/** A client for the team server that a command selected, with how it authenticates. */
export interface ServerConnection {
  client: ApiClient;
  /** The server's URL, without credentials. */
  server: string;
  /** The stored profile; undefined for `MEM0_SERVER` and `MEM0_API_KEY`. */
  profile: ServerProfile | undefined;
  /** The authentication method for people to read, such as "session in the OS keychain". */
  authentication: string;
}

/**
 * Connect to the team server of `target` (by default the one `env` selects). A stored session
 * saves every refreshed pair of tokens back to its storage, because the server accepts each
 * refresh token only once.
 */
export async function connectToServer(
  env: NodeJS.ProcessEnv,
  target: Target = resolveTarget(env),
): Promise<ServerConnection> {
  if (target.kind === 'local') {
    throw invalidArgument(
      'This command needs a team server, but the selected profile is "local". Log in with "mem0 login URL", or choose a server profile with --profile NAME.',
    );
  }
  const { ApiClient } = await import('@memzero/client');

  if (target.kind === 'environment') {
    const client = new ApiClient({
      baseUrl: target.url,
      credentials: { kind: 'api_key', key: target.apiKey },
    });
    return {
      client,
      server: client.server,
      profile: undefined,
      authentication: 'API key from MEM0_API_KEY',
    };
  }

  const { profile } = target;
  const secret = await readSecret(env, profile.name, profile.credential);
  if (secret === undefined) {
    throw new Mem0Error(
      'unauthenticated',
      `Profile "${profile.name}" has no stored login${profile.credential === 'keychain' ? ' in the OS keychain (if your keyring is locked, unlock it)' : ''}. Log in with "mem0 login ${profile.url} --profile ${profile.name}".`,
    );
  }

  const logger = createCommandLogger(env);
  let credentials: Credentials;
  if (secret.kind === 'api_key') {
    credentials = { kind: 'api_key', key: secret.key };
  } else {
    credentials = {
      kind: 'session',
      refreshToken: secret.refreshToken,
      accessToken: secret.accessToken,
      // Two commands that refresh the same session at the same moment present the same refresh
      // token; the server's reuse grace window (MEM0_REFRESH_REUSE_GRACE) gives each a new one.
      // The last to finish writes its tokens here, and both are valid.
      onTokens: async (tokens) => {
        await writeSecret(env, profile.name, profile.credential, {
          kind: 'session',
          refreshToken: tokens.refreshToken,
          accessToken: tokens.accessToken,
        });
        logger.debug({ profile: profile.name }, 'saved the refreshed session tokens');
      },
    };
  }

  const client = new ApiClient({ baseUrl: profile.url, credentials });
  const storage = profile.credential === 'keychain' ? 'the OS keychain' : 'the credentials file';
  const method = secret.kind === 'session' ? 'session' : 'API key';
  return { client, server: client.server, profile, authentication: `${method} in ${storage}` };
}

/**
 * Connect for a team or share command. On the local profile it rejects with an error that
 * states that teams and sharing need a team server, and how to log in to one.
 */
export async function connectForTeams(env: NodeJS.ProcessEnv): Promise<ServerConnection> {
  const target = resolveTarget(env);
  if (target.kind === 'local') {
    throw invalidArgument(
      'Teams and sharing need a team server, but the selected profile is "local" (the database on this machine). Log in with "mem0 login URL" (or "mem0 register URL"), or choose a server profile with --profile NAME.',
    );
  }
  return connectToServer(env, target);
}

/**
 * Open the memory store of the selected team server. Rejects when `env` selects the local
 * store; `openStore` in `store.ts` returns whichever store is selected.
 */
export async function openRemoteStore(env: NodeJS.ProcessEnv): Promise<MemoryStore> {
  const { RemoteStore } = await import('@memzero/client');
  const connection = await connectToServer(env);
  return new RemoteStore(connection.client);
}

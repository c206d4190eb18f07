import { invalidArgument, isMem0Error } from '@memzero/core';

import { readConfig, withProfile, writeConfig } from '../config.js';
import { deleteSecret, readSecret } from '../credentials.js';
import { colorsFor, type CommandIO, writeLine } from '../io.js';
import { createCommandLogger } from '../logger.js';
import { resolveTarget } from '../target.js';

/**
 * Log out of the selected profile: end the session on the server, then delete the stored
 * secret. The secret is deleted also when the server cannot be reached, and the output states
 * that the session then stays valid on the server until it expires. The profile itself stays,
 * so that "mem0 login" can log in to it again without the URL.
 */
export async function logout(io: CommandIO): Promise<number> {
  const target = resolveTarget(io.env);
  if (target.kind === 'local') {
    throw invalidArgument(
      'The selected profile is "local", the local database, which has no login. Choose a server profile with --profile NAME.',
    );
  }
  if (target.kind === 'environment') {
    throw invalidArgument(
      'The server comes from MEM0_SERVER and MEM0_API_KEY, which mem0 does not store. Unset both variables to stop using it.',
    );
  }

  const { profile } = target;
  const colors = colorsFor(io.stdout, io.env);
  const secret = await readSecret(io.env, profile.name, profile.credential);
  if (secret === undefined) {
    writeLine(io.stdout, `Profile ${colors.yellow(profile.name)} is not logged in; nothing to do.`);
    return 0;
  }

  if (secret.kind === 'session') {
    const { ApiClient } = await import('@memzero/client');
    const client = new ApiClient({
      baseUrl: profile.url,
      credentials: { kind: 'session', refreshToken: secret.refreshToken },
      retries: 0,
    });
    try {
      await client.logout();
    } catch (error) {
      if (!isMem0Error(error)) {
        throw error;
      }
      createCommandLogger(io.env, io.stderr).debug(
        { profile: profile.name, code: error.code },
        'ending the session on the server failed',
      );
      writeLine(
        io.stderr,
        `warning: the session could not be ended on ${profile.url} (${error.message.replace(/\.$/, '')}). The stored secret is deleted anyway; the session stays valid on the server until it expires.`,
      );
    }
  }

  await deleteSecret(io.env, profile.name, profile.credential);
  const config = readConfig(io.env);
  writeConfig(io.env, withProfile(config, { ...profile, signedOut: true }));

  writeLine(
    io.stdout,
    `Logged out of ${profile.url} (profile ${colors.yellow(profile.name)}); the stored secret is deleted.`,
  );
  if (secret.kind === 'api_key') {
    writeLine(
      io.stdout,
      'Logging out does not revoke the API key: unless it was revoked already, it stays valid on the server. To revoke it: mem0 keys revoke ID (mem0 keys list shows the ids).',
    );
  }
  return 0;
}

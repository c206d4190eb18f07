import { invalidArgument, isMem0Error, notFound } from '@memzero/core';

import {
  checkProfileName,
  findProfile,
  localProfileName,
  readConfig,
  writeConfig,
} from '../config.js';
import { deleteSecret } from '../credentials.js';
import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { databasePath } from '../paths.js';

/** List the profiles, `local` first, and mark the active one with `*`. */
export async function listProfiles(options: { json?: boolean }, io: CommandIO): Promise<number> {
  const config = readConfig(io.env);
  const entries = [
    {
      name: localProfileName,
      active: config.activeProfile === localProfileName,
      url: null,
      account: null,
      credential: null,
      auth: null,
      database: databasePath(io.env),
    },
    ...[...config.profiles]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((profile) => ({ ...profile, active: config.activeProfile === profile.name })),
  ];

  if (options.json) {
    writeJson(io.stdout, entries);
    return 0;
  }

  const colors = colorsFor(io.stdout, io.env);
  const width = Math.max(...entries.map((entry) => entry.name.length));
  for (const entry of entries) {
    const mark = entry.active ? colors.green('*') : ' ';
    const name = colors.yellow(entry.name.padEnd(width));
    const where =
      entry.url === null
        ? `the local database ${entry.database}`
        : 'signedOut' in entry && entry.signedOut
          ? `${entry.url}  ${entry.account}  logged out ("mem0 login --profile ${entry.name}" logs in again)`
          : `${entry.url}  ${entry.account}  ${entry.auth === 'session' ? 'session' : 'API key'} in ${entry.credential === 'keychain' ? 'the OS keychain' : 'the credentials file'}`;
    writeLine(io.stdout, `${mark} ${name}  ${where}`);
  }
  if (io.env.MEM0_SERVER?.trim() && io.env.MEM0_API_KEY?.trim()) {
    writeLine(
      io.stdout,
      colors.dim('MEM0_SERVER and MEM0_API_KEY are set, so commands use that server instead.'),
    );
  }
  return 0;
}

/** Make `name` the active profile. */
export async function useProfile(name: string, io: CommandIO): Promise<number> {
  const config = readConfig(io.env);
  const profileName = checkProfileName(name.trim(), 'The profile name');
  if (profileName !== localProfileName && !findProfile(config, profileName)) {
    throw unknownProfile(profileName);
  }

  writeConfig(io.env, { ...config, activeProfile: profileName });
  writeLine(
    io.stdout,
    `Profile ${colorsFor(io.stdout, io.env).yellow(profileName)} is now active.`,
  );
  return 0;
}

/**
 * Remove a server profile and delete its stored secret. It does not end a session on the
 * server; "mem0 logout" does. Removing the active profile makes `local` active.
 */
export async function removeProfile(name: string, io: CommandIO): Promise<number> {
  const config = readConfig(io.env);
  const profileName = checkProfileName(name.trim(), 'The profile name');
  if (profileName === localProfileName) {
    throw invalidArgument('The profile "local" is the local database and cannot be removed.');
  }
  const profile = findProfile(config, profileName);
  if (profile === undefined) {
    throw unknownProfile(profileName);
  }

  // A keychain that cannot be reached must not keep a profile forever, so its failure is a
  // warning that names the entry left behind.
  let secretDeleted = true;
  try {
    await deleteSecret(io.env, profile.name, profile.credential);
  } catch (error) {
    if (!isMem0Error(error) || profile.credential !== 'keychain') {
      throw error;
    }
    secretDeleted = false;
    writeLine(
      io.stderr,
      `warning: ${error.message.split('\n')[0]} The secret of "${profile.name}" may remain in the keychain under the service "mem0" and the account "${profile.name}"; delete it there.`,
    );
  }

  const wasActive = config.activeProfile === profile.name;
  writeConfig(io.env, {
    ...config,
    activeProfile: wasActive ? localProfileName : config.activeProfile,
    profiles: config.profiles.filter((existing) => existing.name !== profile.name),
  });

  const colors = colorsFor(io.stdout, io.env);
  const what = secretDeleted ? ' and its stored secret' : '';
  writeLine(io.stdout, `Removed the profile ${colors.yellow(profile.name)}${what}.`);
  if (secretDeleted) {
    writeLine(
      io.stdout,
      'Its session or API key was not ended on the server; run "mem0 logout" before removing a profile to end a session.',
    );
  }
  if (wasActive) {
    writeLine(io.stdout, `Profile ${colors.yellow(localProfileName)} is now active.`);
  }
  return 0;
}

function unknownProfile(name: string) {
  return notFound(
    `No profile is named "${name}". "mem0 profiles" lists them, and "mem0 login URL --profile ${name}" creates one.`,
  );
}

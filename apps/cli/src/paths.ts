import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

import { localDatabasePath, localDataDirectory } from '@memzero/db/location';

/** Return the directory of the local database (see `localDataDirectory`). */
export const dataDirectory = localDataDirectory;

/** Return the path of the local database file (see `localDatabasePath`). */
export function databasePath(env: NodeJS.ProcessEnv): string {
  return localDatabasePath(env);
}

/**
 * Return the directory of mem0's configuration: `MEM0_HOME` when set, otherwise the platform's
 * config directory (`$XDG_CONFIG_HOME/mem0` or `~/.config/mem0` on Linux,
 * `~/Library/Application Support/mem0` on macOS, `%APPDATA%\mem0` on Windows).
 */
export function configDirectory(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env.MEM0_HOME) {
    return dataDirectory(env, platform, home);
  }
  if (platform === 'darwin') {
    return join(home, 'Library', 'Application Support', 'mem0');
  }
  if (platform === 'win32') {
    return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'mem0');
  }
  const xdgConfigHome =
    env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : undefined;
  return join(xdgConfigHome ?? join(home, '.config'), 'mem0');
}

/** Return the path of the `mem0 serve` access token, which is created on first use. */
export function serverTokenPath(env: NodeJS.ProcessEnv): string {
  return join(configDirectory(env), 'server-token');
}

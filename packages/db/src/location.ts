import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

// This module loads no database driver, so a CLI can import it on its fastest paths.

/**
 * Return the directory of the local database: `MEM0_HOME` when set, otherwise the platform's
 * data directory (`$XDG_DATA_HOME/mem0` or `~/.local/share/mem0` on Linux,
 * `~/Library/Application Support/mem0` on macOS, `%LOCALAPPDATA%\mem0` on Windows).
 */
export function localDataDirectory(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env.MEM0_HOME) {
    // A quoted ~ arrives unexpanded, so expand it as a shell would.
    return resolve(env.MEM0_HOME.replace(/^~(?=$|[\\/])/, home));
  }
  if (platform === 'darwin') {
    return join(home, 'Library', 'Application Support', 'mem0');
  }
  if (platform === 'win32') {
    return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'mem0');
  }
  // The XDG Base Directory specification requires ignoring a relative XDG_DATA_HOME.
  const xdgDataHome =
    env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : undefined;
  return join(xdgDataHome ?? join(home, '.local', 'share'), 'mem0');
}

/** Return the path of the local database file, `mem0.db` in `localDataDirectory`. */
export function localDatabasePath(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  return join(localDataDirectory(env, platform, home), 'mem0.db');
}

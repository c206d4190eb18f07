import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { invalidArgument, Mem0Error } from '@memzero/core';

import { configDirectory } from './paths.js';

/** The name of the implicit profile that uses the local SQLite store. */
export const localProfileName = 'local';

/** The storage of a server profile's secret: the OS keychain, or `credentials.json`. */
export type CredentialStorage = 'keychain' | 'file';

/** The authentication method of a server profile: a login session, or an API key. */
export type AuthMethod = 'session' | 'api_key';

/**
 * A named team server with the account logged in to it. It contains no secret, because the tokens or the
 * API key live in the storage that `credential` names, under the profile's name.
 */
export interface ServerProfile {
  name: string;
  /** The server's base URL, such as `http://127.0.0.1:8080`, without a trailing slash. */
  url: string;
  /** The email address of the account. */
  account: string;
  credential: CredentialStorage;
  auth: AuthMethod;
  /** Set by `mem0 logout`, which deletes the secret but keeps the profile; a login clears it. */
  signedOut?: true;
}

/** The contents of `config.json`. */
export interface Config {
  version: 1;
  /** The profile that commands use when neither `--profile` nor `MEM0_PROFILE` names one. */
  activeProfile: string;
  /** When true, logins keep their secrets in `credentials.json` instead of the OS keychain. */
  insecureStorage: boolean;
  profiles: ServerProfile[];
}

// Profile names become keychain account names and file keys, so they are kept to characters
// that need no quoting anywhere: a host name with its port fits.
const profileNamePattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export function configPath(env: NodeJS.ProcessEnv): string {
  return join(configDirectory(env), 'config.json');
}

export function emptyConfig(): Config {
  return { version: 1, activeProfile: localProfileName, insecureStorage: false, profiles: [] };
}

/** Check a profile name that a user typed, and return it. */
export function checkProfileName(name: string, source = '--profile'): string {
  if (!profileNamePattern.test(name)) {
    throw invalidArgument(
      `${source} "${name}" is not a valid profile name. Use 1 to 100 letters, digits, ".", "_", "-" or ":", starting with a letter or digit.`,
    );
  }
  return name;
}

/**
 * Check a server URL that a user typed and return it in canonical form: http or https, no user
 * name or password (they would end up in the config file), no query or fragment, and no
 * trailing slash.
 */
export function normalizeServerUrl(input: string, source = 'The server URL'): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw invalidArgument(
      `${source} "${input}" is not a URL. Give the server's address, such as http://127.0.0.1:13370.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidArgument(
      `${source} "${input}" must start with http:// or https://, such as http://127.0.0.1:13370.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw invalidArgument(
      `${source} must not contain a user name or password. Give only the address; mem0 asks for the login.`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw invalidArgument(
      `${source} "${input}" must not have a query or fragment. Give only the address, such as http://127.0.0.1:13370.`,
    );
  }
  // The routes live under /v1 of the server; a URL copied with that part still means the server.
  return url.toString().replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** Return the default profile name of a login to `url`: the host and port, IPv6 brackets removed. */
export function profileNameForUrl(url: string): string {
  return new URL(url).host.replace(/[[\]]/g, '');
}

/** Read `config.json`; a missing file is an empty configuration with only the local profile. */
export function readConfig(env: NodeJS.ProcessEnv): Config {
  const path = configPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    // ENOTDIR: MEM0_HOME names a file. The local store reports that with its own advice.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return emptyConfig();
    }
    throw error;
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw brokenConfig(path, `it is not valid JSON (${(error as Error).message})`);
  }
  return parseConfig(parsed, path);
}

function parseConfig(value: unknown, path: string): Config {
  if (!isObject(value)) {
    throw brokenConfig(path, 'it does not contain a JSON object');
  }

  const config = emptyConfig();
  if (value.activeProfile !== undefined) {
    if (typeof value.activeProfile !== 'string' || !profileNamePattern.test(value.activeProfile)) {
      throw brokenConfig(path, '"activeProfile" is not a profile name');
    }
    config.activeProfile = value.activeProfile;
  }
  if (value.insecureStorage !== undefined) {
    if (typeof value.insecureStorage !== 'boolean') {
      throw brokenConfig(path, '"insecureStorage" must be true or false');
    }
    config.insecureStorage = value.insecureStorage;
  }
  if (value.profiles !== undefined) {
    if (!Array.isArray(value.profiles)) {
      throw brokenConfig(path, '"profiles" must be an array');
    }
    config.profiles = value.profiles.map((entry, index) => parseProfile(entry, index, path));
  }
  return config;
}

function parseProfile(value: unknown, index: number, path: string): ServerProfile {
  const where = `profiles[${index}]`;
  if (!isObject(value)) {
    throw brokenConfig(path, `${where} is not an object`);
  }
  const { name, url, account, credential, auth, signedOut } = value;
  if (typeof name !== 'string' || !profileNamePattern.test(name) || name === localProfileName) {
    throw brokenConfig(path, `${where}.name is not a valid profile name`);
  }
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw brokenConfig(path, `${where}.url is not an http or https URL`);
  }
  if (typeof account !== 'string') {
    throw brokenConfig(path, `${where}.account must be a string`);
  }
  if (credential !== 'keychain' && credential !== 'file') {
    throw brokenConfig(path, `${where}.credential must be "keychain" or "file"`);
  }
  if (auth !== 'session' && auth !== 'api_key') {
    throw brokenConfig(path, `${where}.auth must be "session" or "api_key"`);
  }
  if (signedOut !== undefined && signedOut !== true) {
    throw brokenConfig(path, `${where}.signedOut must be true when present`);
  }
  return { name, url, account, credential, auth, ...(signedOut ? { signedOut } : {}) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function brokenConfig(path: string, reason: string): Mem0Error {
  return invalidArgument(
    `The configuration file ${path} cannot be used: ${reason}. Fix it, or delete it to start over (your memories are not in it).`,
  );
}

/**
 * Write `config.json` atomically with mode 0600: the new content goes to a temporary file in the
 * same directory, which is then renamed over the old one, so a reader never sees half a file.
 */
export function writeConfig(env: NodeJS.ProcessEnv, config: Config): void {
  writePrivateJson(configPath(env), config);
}

/** Write `value` as JSON to `path` atomically, in a file only its owner can read (mode 0600). */
export function writePrivateJson(path: string, value: unknown): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    // A leftover temporary file may have other permissions; 'wx' creates a fresh one with 0600.
    rmSync(temporary, { force: true });
    writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Return the server profile called `name`, or undefined. */
export function findProfile(config: Config, name: string): ServerProfile | undefined {
  return config.profiles.find((profile) => profile.name === name);
}

/** Return `config` with `profile` added, or replacing the profile of the same name. */
export function withProfile(config: Config, profile: ServerProfile): Config {
  const others = config.profiles.filter((existing) => existing.name !== profile.name);
  return { ...config, profiles: [...others, profile] };
}

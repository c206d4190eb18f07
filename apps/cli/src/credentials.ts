import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Mem0Error } from '@memzero/core';

import { type CredentialStorage, writePrivateJson } from './config.js';
import { configDirectory } from './paths.js';

/**
 * The secret of a server profile: the tokens of a login session (the refresh token, and the
 * current access token so that the next command need not refresh first), or an API key.
 */
export type StoredSecret =
  | { kind: 'session'; refreshToken: string; accessToken?: string }
  | { kind: 'api_key'; key: string };

/** The contents of `credentials.json`, the opt-in plain-file storage. */
interface CredentialsFile {
  version: 1;
  profiles: Record<string, StoredSecret>;
}

export function credentialsPath(env: NodeJS.ProcessEnv): string {
  return join(configDirectory(env), 'credentials.json');
}

/** Return the warning printed whenever a login keeps its secret in the plain file. */
export function insecureStorageWarning(env: NodeJS.ProcessEnv): string {
  return `warning: the credentials are stored unencrypted in ${credentialsPath(env)} (mode 0600). Anyone who can read this file as you can use your account; prefer the OS keychain.`;
}

/** Read the secret of `profile`, or undefined when none is stored. */
export async function readSecret(
  env: NodeJS.ProcessEnv,
  profile: string,
  storage: CredentialStorage,
): Promise<StoredSecret | undefined> {
  if (storage === 'file') {
    return readCredentialsFile(env).profiles[profile];
  }

  const { readKeychain } = await import('./keychain.js');
  const text = await keychainStep(() => readKeychain(profile));
  if (text === null) {
    return undefined;
  }
  return parseSecret(text, `the OS keychain entry "${profile}" of the service mem0`);
}

/** Store the secret of `profile`, replacing the one stored before. */
export async function writeSecret(
  env: NodeJS.ProcessEnv,
  profile: string,
  storage: CredentialStorage,
  secret: StoredSecret,
): Promise<void> {
  if (storage === 'file') {
    const file = readCredentialsFile(env);
    file.profiles[profile] = secret;
    writePrivateJson(credentialsPath(env), file);
    return;
  }

  const { writeKeychain } = await import('./keychain.js');
  await keychainStep(() => writeKeychain(profile, JSON.stringify(secret)));
}

/** Delete the secret of `profile`; returns whether one was stored. */
export async function deleteSecret(
  env: NodeJS.ProcessEnv,
  profile: string,
  storage: CredentialStorage,
): Promise<boolean> {
  if (storage === 'file') {
    const file = readCredentialsFile(env);
    if (file.profiles[profile] === undefined) {
      return false;
    }
    delete file.profiles[profile];
    writePrivateJson(credentialsPath(env), file);
    return true;
  }

  const { deleteKeychain } = await import('./keychain.js');
  return keychainStep(() => deleteKeychain(profile));
}

/**
 * Check that the OS keychain responds, before a login asks for a password that could then not
 * be stored. Reading the entry of `profile` is a harmless request that every keychain serves.
 */
export async function checkKeychain(profile: string): Promise<void> {
  const { readKeychain } = await import('./keychain.js');
  await keychainStep(() => readKeychain(profile));
}

/** Run a keychain call and turn its failure into an error that tells the user what to do. */
async function keychainStep<T>(work: () => Promise<T>): Promise<T> {
  const { KeychainError } = await import('./keychain.js');
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof KeychainError)) {
      throw error;
    }
    throw new Mem0Error('store_unavailable', keychainAdvice(error.message), { cause: error });
  }
}

function keychainAdvice(reason: string): string {
  const upper = reason.charAt(0).toUpperCase() + reason.slice(1);
  return [
    `${upper}.`,
    'mem0 keeps login secrets in the OS keychain. To fix this, do one of:',
    '  - install and unlock a keyring (on Linux a Secret Service such as gnome-keyring on a D-Bus session; on macOS and Windows the system keychain),',
    '  - log in with --insecure-storage to keep the secret in a file only you can read (mode 0600) instead,',
    '  - or set MEM0_SERVER and MEM0_API_KEY in the environment, which needs no stored secret.',
  ].join('\n');
}

function readCredentialsFile(env: NodeJS.ProcessEnv): CredentialsFile {
  const path = credentialsPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { version: 1, profiles: {} };
    }
    throw error;
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message can quote part of the file, which contains secrets, so it is not shown.
    throw brokenCredentials(path);
  }
  const profiles = (parsed as { profiles?: unknown } | null)?.profiles;
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) {
    throw brokenCredentials(path);
  }

  const checked: Record<string, StoredSecret> = {};
  for (const [name, value] of Object.entries(profiles)) {
    checked[name] = checkSecret(value, `the entry "${name}" of ${path}`);
  }
  return { version: 1, profiles: checked };
}

function brokenCredentials(path: string): Mem0Error {
  return new Mem0Error(
    'invalid_argument',
    `The credentials file ${path} is not valid JSON of mem0. Delete it and log in again.`,
  );
}

function parseSecret(text: string, where: string): StoredSecret {
  try {
    return checkSecret(JSON.parse(text), where);
  } catch {
    throw unusableSecret(where);
  }
}

function checkSecret(value: unknown, where: string): StoredSecret {
  const secret = value as Partial<Record<string, unknown>> | null;
  if (secret?.kind === 'session' && typeof secret.refreshToken === 'string') {
    const accessToken = typeof secret.accessToken === 'string' ? secret.accessToken : undefined;
    return { kind: 'session', refreshToken: secret.refreshToken, accessToken };
  }
  if (secret?.kind === 'api_key' && typeof secret.key === 'string') {
    return { kind: 'api_key', key: secret.key };
  }
  throw unusableSecret(where);
}

function unusableSecret(where: string): Mem0Error {
  return new Mem0Error(
    'unauthenticated',
    `The secret stored in ${where} is not one mem0 wrote. Log in again to replace it.`,
  );
}

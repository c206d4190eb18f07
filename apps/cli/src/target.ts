import { invalidArgument, notFound } from '@memzero/core';

import {
  checkProfileName,
  type Config,
  findProfile,
  localProfileName,
  normalizeServerUrl,
  readConfig,
  type ServerProfile,
} from './config.js';

/**
 * The store a command works on:
 * - the local SQLite database (the `local` profile),
 * - the team server of a stored profile, with its secret in the keychain or the file,
 * - or the team server in `MEM0_SERVER` with the API key in `MEM0_API_KEY`, without a profile.
 */
export type Target =
  | { kind: 'local' }
  | { kind: 'profile'; profile: ServerProfile; config: Config }
  | { kind: 'environment'; url: string; apiKey: string };

/**
 * Select the store for `env`, in this order of precedence:
 * 1. `MEM0_SERVER` with `MEM0_API_KEY`: neither the config file nor the keychain is read.
 *    (`--profile` on the command line removes both variables, so an explicit profile wins.)
 * 2. The profile named by `MEM0_PROFILE`, which `--profile NAME` sets.
 * 3. The active profile of `config.json`.
 * 4. `local`.
 */
export function resolveTarget(env: NodeJS.ProcessEnv): Target {
  const fromEnvironment = environmentServer(env);
  if (fromEnvironment) {
    return fromEnvironment;
  }

  const config = readConfig(env);
  const requested = blankToUndefined(env.MEM0_PROFILE);
  const name = requested === undefined ? config.activeProfile : checkProfileName(requested);
  if (name === localProfileName) {
    return { kind: 'local' };
  }

  const profile = findProfile(config, name);
  if (profile === undefined) {
    const hint =
      requested === undefined
        ? `The active profile "${name}" no longer exists. Choose another with "mem0 profiles use NAME" ("mem0 profiles" lists them).`
        : `No profile is named "${name}". "mem0 profiles" lists them, and "mem0 login URL --profile ${name}" creates one.`;
    throw notFound(hint);
  }
  return { kind: 'profile', profile, config };
}

/** Return the server of `MEM0_SERVER` and `MEM0_API_KEY`, or undefined when neither is set. */
function environmentServer(env: NodeJS.ProcessEnv): Target | undefined {
  const server = blankToUndefined(env.MEM0_SERVER);
  const apiKey = blankToUndefined(env.MEM0_API_KEY);
  if (server === undefined && apiKey === undefined) {
    return undefined;
  }
  if (server === undefined) {
    throw invalidArgument(
      'MEM0_API_KEY is set but MEM0_SERVER is not. Set MEM0_SERVER to the URL of the team server, or unset MEM0_API_KEY.',
    );
  }
  if (apiKey === undefined) {
    throw invalidArgument(
      'MEM0_SERVER is set but MEM0_API_KEY is not. Set MEM0_API_KEY to an API key of that server ("mem0 keys create NAME" makes one), or unset MEM0_SERVER.',
    );
  }
  return { kind: 'environment', url: normalizeServerUrl(server, 'MEM0_SERVER'), apiKey };
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Return the name of the selected profile for messages: a profile name, or a note on the variables. */
export function targetName(target: Target): string {
  switch (target.kind) {
    case 'local':
      return localProfileName;
    case 'profile':
      return target.profile.name;
    case 'environment':
      return '(none: MEM0_SERVER and MEM0_API_KEY)';
  }
}

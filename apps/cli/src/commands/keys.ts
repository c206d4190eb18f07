import type { ApiKey } from '@memzero/client';
import { apiKeyScopes, type ApiKeyScope, invalidArgument } from '@memzero/core';

import { shortTime, tableLines } from '../format.js';
import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { parseExpiry } from '../options.js';
import { connectToServer } from '../remote.js';

export interface CreateKeyOptions {
  scope?: string;
  expires?: string;
  json?: boolean;
}

/** Create an API key on the selected server and print it, the only time it can be shown. */
export async function createKey(
  name: string,
  options: CreateKeyOptions,
  io: CommandIO,
): Promise<number> {
  const keyName = name.trim();
  if (keyName === '' || [...keyName].length > 100) {
    throw invalidArgument('The key name must have 1 to 100 characters, such as "laptop-mcp".');
  }
  const scope = parseScope(options.scope ?? 'read');
  const expiresAt = options.expires === undefined ? undefined : parseExpiry(options.expires);

  const { client, server } = await connectToServer(io.env);
  const created = await client.createApiKey({ name: keyName, scope, expiresAt });

  if (options.json) {
    writeJson(io.stdout, created);
    return 0;
  }
  const colors = colorsFor(io.stdout, io.env);
  const expiry = created.expiresAt ? `expires ${shortTime(created.expiresAt)}` : 'never expires';
  writeLine(
    io.stdout,
    `Created the API key "${created.name}" on ${server} (id ${colors.yellow(created.id)}, scope ${created.scope}, ${expiry}).`,
  );
  writeLine(io.stdout, 'Copy it now; the server keeps only a hash and cannot show it again:');
  writeLine(io.stdout);
  writeLine(io.stdout, created.key);
  return 0;
}

/** List the API keys of the account, revoked and expired ones included. */
export async function listKeys(options: { json?: boolean }, io: CommandIO): Promise<number> {
  const { client, server } = await connectToServer(io.env);
  const keys = await client.listApiKeys();

  if (options.json) {
    writeJson(io.stdout, keys);
    return 0;
  }
  if (keys.length === 0) {
    writeLine(io.stdout, `No API keys on ${server}. Create one with: mem0 keys create NAME`);
    return 0;
  }

  const colors = colorsFor(io.stdout, io.env);
  const rows = keys.map((key) => [
    key.id,
    key.name,
    key.prefix,
    key.scope,
    shortTime(key.createdAt),
    key.expiresAt ? shortTime(key.expiresAt) : 'never',
    key.lastUsedAt ? shortTime(key.lastUsedAt) : 'never',
    keyStatus(key),
  ]);
  const [header, ...lines] = tableLines(
    ['ID', 'NAME', 'PREFIX', 'SCOPE', 'CREATED', 'EXPIRES', 'LAST USED', 'STATUS'],
    rows,
  );
  writeLine(io.stdout, colors.dim(header!));
  for (const line of lines) {
    writeLine(io.stdout, line);
  }
  return 0;
}

/** Revoke an API key by its id; requests that use it fail from then on. */
export async function revokeKey(id: string, io: CommandIO): Promise<number> {
  const { client, server } = await connectToServer(io.env);
  await client.revokeApiKey(id.trim());
  writeLine(io.stdout, `Revoked the API key ${id.trim()} on ${server}.`);
  return 0;
}

function parseScope(value: string): ApiKeyScope {
  const scope = value.trim().toLowerCase();
  if (!(apiKeyScopes as readonly string[]).includes(scope)) {
    throw invalidArgument(
      `--scope "${value}" is not a scope. Use read (search and read memories) or write (also change them).`,
    );
  }
  return scope as ApiKeyScope;
}

function keyStatus(key: ApiKey): string {
  if (key.revokedAt) {
    return 'revoked';
  }
  if (key.expiresAt && Date.parse(key.expiresAt) <= Date.now()) {
    return 'expired';
  }
  return 'active';
}

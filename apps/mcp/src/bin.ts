#!/usr/bin/env node
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';

import { contextNameSchema, isMem0Error, type MemoryStore } from '@memzero/core';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import pino from 'pino';

import { localDatabasePath } from '@memzero/db/location';
import { createMcpServer } from './server.js';

const usage = `Usage: mem0-mcp [--context NAME]

Serve the mem0 memory tools over MCP on stdin and stdout.

Options:
  --context NAME  context used by add, search and list when a call gives none
                  (default: MEM0_CONTEXT, otherwise none)
  --help          show this help

Environment:
  MEM0_HOME       directory of the local database
  MEM0_SERVER     URL of a team server; with MEM0_API_KEY, use it instead of the local database
  MEM0_API_KEY    API key for MEM0_SERVER; a read-scoped key exposes only the read tools
  MEM0_LOG_LEVEL  pino log level on stderr (default: info)
`;

// Only MCP messages may reach stdout. The transport keeps the real stdout, and anything else
// that writes there (a dependency, a first-run migration, console.log) goes to stderr instead.
const writeToStdout = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
const protocolOutput = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    writeToStdout(chunk, callback);
  },
});

const logger = pino(
  { name: 'mem0-mcp', level: process.env.MEM0_LOG_LEVEL ?? 'info' },
  pino.destination(2),
);

interface OpenedStore {
  store: MemoryStore;
  readOnly: boolean;
  description: string;
}

async function openStore(env: NodeJS.ProcessEnv): Promise<OpenedStore> {
  if (env.MEM0_SERVER && env.MEM0_API_KEY) {
    // NOTE: the tests cover only the local store, so this team-server path has not been run.
    const { ApiClient, RemoteStore } = await import('@memzero/client');
    const client = new ApiClient({
      baseUrl: env.MEM0_SERVER,
      credentials: { kind: 'api_key', key: env.MEM0_API_KEY },
    });
    const me = await client.me();
    return {
      store: new RemoteStore(client),
      readOnly: me.scope === 'read',
      description: `team server ${client.server} (${me.scope} key)`,
    };
  }
  const { SqliteStore } = await import('@memzero/db');
  const path = localDatabasePath(env);
  return { store: new SqliteStore(path), readOnly: false, description: `local database ${path}` };
}

function defaultContextFrom(value: string | undefined): string | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  const parsed = contextNameSchema.safeParse(value);
  if (!parsed.success) {
    throw new Error(
      `Invalid default context "${value}": ${parsed.error.issues[0]?.message ?? 'not a valid context name'}.`,
    );
  }
  return parsed.data;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { context: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    process.stderr.write(usage);
    return;
  }
  const defaultContext = defaultContextFrom(values.context ?? process.env.MEM0_CONTEXT);

  const opened = await openStore(process.env);
  const server = createMcpServer(opened.store, {
    defaultContext,
    readOnly: opened.readOnly,
    logger,
  });

  let closing = false;
  const shutdown = async (reason: string): Promise<void> => {
    if (closing) {
      return;
    }
    closing = true;
    logger.info({ reason }, 'stopping');
    try {
      await server.close();
      await opened.store.close();
    } catch (error) {
      logger.error({ err: error }, 'failed to close cleanly');
      process.exitCode = 1;
    }
    // Exit now, rather than wait for the event loop to drain, because stdin stays referenced.
    process.exit();
  };
  process.stdin.on('end', () => void shutdown('stdin closed'));
  process.stdin.on('close', () => void shutdown('stdin closed'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await server.connect(new StdioServerTransport(process.stdin, protocolOutput));
  logger.info({ store: opened.description, defaultContext, readOnly: opened.readOnly }, 'started');
}

main().catch((error: unknown) => {
  if (isMem0Error(error) || error instanceof Error) {
    logger.error({ err: error }, error.message);
    process.stderr.write(`mem0-mcp: ${error.message}\n`);
  } else {
    logger.error({ err: error }, 'failed to start');
  }
  process.exit(isMem0Error(error) ? error.exitCode : 1);
});

import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';

import { contextNameSchema, invalidArgument, isMem0Error, type MemoryStore } from '@memzero/core';
import { createMcpServer } from '@memzero/mcp';
import { exitWhenClientLeaves } from '@memzero/mcp/stdio';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import pino, { type Logger } from 'pino';

import { packageVersion } from '../version.js';
import { openLocalStore } from '../store.js';
import { resolveTarget, targetName } from '../target.js';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const mcpUsage = `Usage: mem0-mcp [--context NAME] [--profile NAME]

Serve the mem0 memory tools over MCP on stdin and stdout, for AI tools such as Claude Desktop,
Cursor and VS Code. "mem0 mcp config CLIENT" prints the block to add to a client's settings.

Options:
  --context NAME  context used by add, search and list when a call gives none
                  (default: MEM0_CONTEXT, otherwise none)
  --profile NAME  the profile to use: local or a team server (default: MEM0_PROFILE, else the
                  active one of "mem0 profiles")
  --help          show this help

Environment:
  MEM0_HOME       directory of the local database and of the CLI's profiles
  MEM0_PROFILE    the profile to use, as --profile
  MEM0_SERVER     URL of a team server; with MEM0_API_KEY, use it instead of any profile
  MEM0_API_KEY    API key for MEM0_SERVER; a read-scoped key exposes only the read tools
  MEM0_CONTEXT    the default context, as --context
  MEM0_LOG_LEVEL  pino log level on stderr (default: info; trace also logs every SQL statement)
`;

interface OpenedStore {
  store: MemoryStore;
  readOnly: boolean;
  description: Record<string, string>;
}

/** Open the store of the selected profile, as the CLI's commands do. */
async function openSelectedStore(env: NodeJS.ProcessEnv, logger: Logger): Promise<OpenedStore> {
  const target = resolveTarget(env);
  if (target.kind === 'local') {
    const { databasePath } = await import('../paths.js');
    return {
      store: await openLocalStore(env, logger),
      readOnly: false,
      description: { profile: 'local', database: databasePath(env) },
    };
  }

  const { RemoteStore } = await import('@memzero/client');
  const { connectToServer } = await import('../remote.js');
  const connection = await connectToServer(env, target);
  const description = {
    profile: targetName(target),
    server: connection.server,
    authentication: connection.authentication,
  };

  // Ask who the credential belongs to now, so that a revoked key stops the start with a clear
  // message. An unreachable server does not: AI tools start their servers once, often before the
  // network is up, so the tools are offered and each call reports the outage until it ends.
  try {
    const me = await connection.client.me();
    return {
      store: new RemoteStore(connection.client),
      readOnly: me.scope === 'read',
      description: { ...description, scope: me.scope },
    };
  } catch (error) {
    if (!isMem0Error(error) || error.code !== 'store_unavailable') {
      throw error;
    }
    logger.warn(
      { server: connection.server },
      `${error.message} Serving every tool anyway; calls fail until the server answers.`,
    );
    return {
      store: new RemoteStore(connection.client),
      readOnly: false,
      description: { ...description, scope: 'unknown (server unreachable at start)' },
    };
  }
}

function defaultContextFrom(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (trimmed === undefined || trimmed === '') {
    return undefined;
  }
  const parsed = contextNameSchema.safeParse(trimmed);
  if (!parsed.success) {
    throw invalidArgument(
      `Invalid default context "${trimmed}": ${parsed.error.issues[0]?.message ?? 'not a valid context name'}. Pass a name such as "my-project" to --context or MEM0_CONTEXT.`,
    );
  }
  return parsed.data;
}

function parseOptions(argv: string[]): { context?: string; profile?: string; help?: boolean } {
  try {
    return parseArgs({
      args: argv,
      options: {
        context: { type: 'string' },
        profile: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw invalidArgument(`${(error as Error).message}. Run "mem0-mcp --help" for usage.`);
  }
}

async function start(argv: string[], env: NodeJS.ProcessEnv, output: Writable, logger: Logger) {
  const options = parseOptions(argv);
  if (options.help) {
    process.stderr.write(mcpUsage);
    process.exit(0);
  }

  // An explicit profile wins over MEM0_SERVER and MEM0_API_KEY, as in the CLI.
  let selected = env;
  if (options.profile !== undefined) {
    const { MEM0_SERVER: _server, MEM0_API_KEY: _key, ...rest } = env;
    selected = { ...rest, MEM0_PROFILE: options.profile };
  }
  const defaultContext = defaultContextFrom(options.context ?? env.MEM0_CONTEXT);

  const opened = await openSelectedStore(selected, logger);
  const server = createMcpServer(opened.store, {
    defaultContext,
    readOnly: opened.readOnly,
    logger,
    version: packageVersion(),
  });

  const stop = exitWhenClientLeaves({
    close: async () => {
      await server.close();
      await opened.store.close();
    },
    log: (event, details) =>
      event === 'stopping'
        ? logger.info(details, 'stopping')
        : logger.error(details, 'failed to close cleanly'),
  });

  await server.connect(new StdioServerTransport(process.stdin, output));
  // The transport closes itself after a fault it cannot recover from, such as a message over
  // its 10 MiB limit. A server that can no longer read requests then stops.
  server.onclose = () => void stop('transport closed');
  logger.info(
    { ...opened.description, defaultContext, readOnly: opened.readOnly },
    'serving MCP on stdio',
  );
}

/** Run `mem0-mcp` with `argv` until its client leaves; `output` is the reserved stdout. */
export async function serveStdio(
  argv: string[],
  env: NodeJS.ProcessEnv,
  output: Writable,
): Promise<void> {
  const level = env.MEM0_LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!logLevels.includes(level)) {
    process.stderr.write(
      `mem0-mcp: MEM0_LOG_LEVEL must be one of ${logLevels.join(', ')}; got "${env.MEM0_LOG_LEVEL}".\n`,
    );
    process.exit(2);
  }
  const logger = pino({ name: 'mem0-mcp', level }, pino.destination(2));

  try {
    await start(argv, env, output, logger);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.debug({ err: error }, 'failed to start');
    process.stderr.write(`mem0-mcp: ${message}\n`);
    process.exit(isMem0Error(error) ? error.exitCode : 1);
  }
}

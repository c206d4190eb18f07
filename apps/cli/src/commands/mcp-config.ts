import { join } from 'node:path';

import { contextNameSchema, invalidArgument } from '@memzero/core';
import { localDataDirectory } from '@memzero/db/location';

import { type CommandIO, writeJson, writeLine } from '../io.js';
import { resolveTarget, type Target } from '../target.js';

export const mcpClients = ['claude', 'cursor', 'vscode'] as const;
export type McpClient = (typeof mcpClients)[number];

export interface McpConfigOptions {
  context?: string;
  http?: boolean;
  name?: string;
}

/** The file where each client keeps the block, printed on stderr so that stdout stays pure JSON. */
const placement: Record<McpClient, string> = {
  claude:
    'Merge this into claude_desktop_config.json (Claude Desktop: Settings, Developer, Edit Config), then restart Claude Desktop.',
  cursor:
    "Merge this into ~/.cursor/mcp.json for every project, or .cursor/mcp.json in one project, then enable the server in Cursor's MCP settings.",
  vscode:
    'Merge this into .vscode/mcp.json in your workspace, or run "MCP: Open User Configuration" for every workspace, then start the server from that file.',
};

interface StdioServer {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

const serverNamePattern = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

/**
 * Print the MCP configuration block of `client` for the selected profile. The stdio block starts
 * this installation's `mem0-mcp` with the profile named, so it never holds a secret: the server
 * reads the profile's credential itself. The HTTP block points at the team server's `/mcp` and
 * takes an API key from a variable (Cursor) or a password prompt (VS Code).
 */
export function printMcpConfig(client: string, options: McpConfigOptions, io: CommandIO): number {
  const chosen = checkClient(client);
  const name = checkServerName(options.name ?? 'mem0');
  const context = options.context === undefined ? undefined : checkContext(options.context);
  const target = resolveTarget(io.env);

  const config = options.http
    ? httpConfig(chosen, name, target, context)
    : stdioConfig(chosen, name, stdioServer(target, context, io.env));

  writeJson(io.stdout, config.block);
  writeLine(io.stderr, placement[chosen]);
  for (const note of config.notes) {
    writeLine(io.stderr, note);
  }
  return 0;
}

function checkClient(client: string): McpClient {
  if (!(mcpClients as readonly string[]).includes(client)) {
    throw invalidArgument(
      `Unknown MCP client "${client}". Choose one of: ${mcpClients.join(', ')}.`,
    );
  }
  return client as McpClient;
}

function checkServerName(name: string): string {
  if (!serverNamePattern.test(name)) {
    throw invalidArgument(
      `Invalid server name "${name}" for --name: use a letter, then up to 63 letters, digits, "-" or "_".`,
    );
  }
  return name;
}

function checkContext(context: string): string {
  const parsed = contextNameSchema.safeParse(context);
  if (!parsed.success) {
    throw invalidArgument(
      `Invalid context "${context}" for --context: ${parsed.error.issues[0]?.message ?? 'not a valid context name'}.`,
    );
  }
  return parsed.data;
}

/** Build the command that starts this installation's mem0-mcp with the selected profile. */
function stdioServer(
  target: Target,
  context: string | undefined,
  env: NodeJS.ProcessEnv,
): StdioServer {
  if (target.kind === 'environment') {
    throw invalidArgument(
      'MEM0_SERVER and MEM0_API_KEY select the server, and the printed block would have to hold the key. Store it in a profile first with "mem0 login URL --with-token" (it goes to the OS keychain), unset both variables, and run this again.',
    );
  }

  // Absolute paths, because AI tools start servers without the PATH of your shell. Running
  // the same script the CLI runs from keeps the block working for any kind of installation.
  const args = [join(__dirname, '..', 'mcp-bin.js')];
  args.push('--profile', target.kind === 'local' ? 'local' : target.profile.name);
  if (context !== undefined) {
    args.push('--context', context);
  }

  const server: StdioServer = { command: process.execPath, args };
  if (env.MEM0_HOME?.trim()) {
    // The folder as the CLI resolves it (a quoted ~ expanded, a relative path made absolute),
    // because the AI tool starts the server in a folder of its choosing.
    server.env = { MEM0_HOME: localDataDirectory(env) };
  }
  return server;
}

interface PrintedConfig {
  block: Record<string, unknown>;
  notes: string[];
}

function stdioConfig(client: McpClient, name: string, server: StdioServer): PrintedConfig {
  const notes = [
    'The block names this installation of mem0 and Node.js by absolute path: run this command again after moving or upgrading either.',
  ];
  if (client === 'vscode') {
    return { block: { servers: { [name]: { type: 'stdio', ...server } } }, notes };
  }
  return { block: { mcpServers: { [name]: server } }, notes };
}

function httpConfig(
  client: McpClient,
  name: string,
  target: Target,
  context: string | undefined,
): PrintedConfig {
  if (target.kind === 'local') {
    throw invalidArgument(
      'The selected profile is "local", and --http needs a team server. Drop --http to use the local store over stdio, or choose a server profile with --profile NAME.',
    );
  }
  if (client === 'claude') {
    throw invalidArgument(
      "Claude Desktop's configuration file describes stdio servers (remote ones are added as connectors in its settings). Drop --http: mem0-mcp then reaches the team server with your profile's credential.",
    );
  }

  const server = target.kind === 'profile' ? target.profile.url : target.url;
  // The endpoint takes the default context from its query string, as mem0-mcp takes --context.
  const url =
    context === undefined
      ? `${server}/mcp`
      : `${server}/mcp?context=${encodeURIComponent(context)}`;
  const keyHint = `Create a key for it with "mem0 keys create ${client}-mcp --scope write" (or --scope read for search only).`;

  if (client === 'vscode') {
    const input = `${name}-api-key`;
    return {
      block: {
        inputs: [
          {
            type: 'promptString',
            id: input,
            description: `mem0 API key for ${server}`,
            password: true,
          },
        ],
        servers: {
          [name]: {
            type: 'http',
            url,
            headers: { Authorization: `Bearer \${input:${input}}` },
          },
        },
      },
      notes: [`VS Code asks for the API key once and keeps it in its secret storage. ${keyHint}`],
    };
  }

  return {
    block: {
      mcpServers: {
        [name]: { url, headers: { Authorization: 'Bearer ${env:MEM0_API_KEY}' } },
      },
    },
    notes: [`Set MEM0_API_KEY in the environment that starts Cursor. ${keyHint}`],
  };
}

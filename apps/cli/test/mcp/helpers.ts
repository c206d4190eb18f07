import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The built server; `pnpm build` must run before the tests. */
export const binPath = resolve(__dirname, '..', '..', 'dist', 'mcp-bin.js');

export function makeHome(): { home: string; remove: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'mem0-mcp-test-'));
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}

/** Environment for the server: a temporary MEM0_HOME and no team server. */
export function serverEnv(
  home: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    MEM0_HOME: home,
    MEM0_LOG_LEVEL: 'warn',
    ...extra,
  };
}

export async function connect(
  home: string,
  options: { args?: string[]; env?: Record<string, string> } = {},
): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [binPath, ...(options.args ?? [])],
    env: serverEnv(home, options.env),
    stderr: 'ignore',
  });
  const client = new Client({ name: 'mem0-mcp-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  if (!first || first.type !== 'text') {
    throw new Error('expected a text content item');
  }
  return first.text;
}

/** Return the structured content, failing when the call reported an error. */
export function structured<T = Record<string, unknown>>(result: CallToolResult): T {
  if (result.isError) {
    throw new Error(`tool call failed: ${textOf(result)}`);
  }
  return result.structuredContent as T;
}

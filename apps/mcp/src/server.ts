import { isMem0Error, type Mem0Error, type MemoryStore } from '@memzero/core';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';

import { resultBudget, resultSize } from './present.js';
import { checkArguments, InvalidParamsError } from './schema.js';
import { allTools, readOnlyTools, type ToolOptions } from './tools.js';

export interface McpServerOptions extends ToolOptions {
  /** Register only the tools that do not change memories, for a read-scoped API key. */
  readOnly?: boolean;
  logger?: Logger;
  version?: string;
}

// Errors caused by the arguments: the client sent something the tool cannot accept.
const argumentErrorCodes = new Set(['invalid_argument', 'validation_failed', 'payload_too_large']);

/**
 * Word a failed operation for a model. The store's not-found message points to CLI commands,
 * so it is replaced by one that points to the tools.
 */
function toolErrorMessage(error: Mem0Error, args: Record<string, unknown>): string {
  if (error.code === 'not_found' && typeof args.id === 'string') {
    return `Memory ${args.id} not found. Call search_memories or list_memories to find ids.`;
  }
  if (error.code === 'not_found' && typeof args.context === 'string') {
    return `No context named "${args.context}". Call list_contexts to see the names.`;
  }
  return error.message;
}

/** Create an MCP server exposing the memory tools on `store`. */
export function createMcpServer(store: MemoryStore, options: McpServerOptions = {}): Server {
  const tools = options.readOnly ? readOnlyTools : allTools;
  const server = new Server(
    { name: 'mem0', title: 'mem0 memory store', version: options.version ?? '0.1.0' },
    {
      capabilities: { tools: {} },
      instructions:
        'mem0 stores short memories (facts, decisions, preferences, notes about code). Search before answering questions that stored notes may cover, and add what the user wants remembered.',
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema,
      annotations: { title: tool.title, ...tool.annotations },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const name = request.params.name;
    const tool = tools.find((candidate) => candidate.name === name);
    if (!tool) {
      if (allTools.some((candidate) => candidate.name === name)) {
        throw new InvalidParamsError(
          `${name} changes memories, and this server's credential can only read. Use an API key with write scope for it.`,
        );
      }
      throw new InvalidParamsError(
        `Unknown tool "${name}". Available tools: ${tools.map((t) => t.name).join(', ')}.`,
      );
    }
    const args = checkArguments(tool.name, tool.inputSchema, request.params.arguments);

    try {
      const output = await tool.run(store, args, options);
      const size = resultSize(output.structured, output.text);
      if (size > resultBudget.single) {
        options.logger?.error({ tool: tool.name, size }, 'tool result exceeds the size budget');
      }
      return {
        structuredContent: output.structured,
        content: [{ type: 'text', text: output.text }],
      };
    } catch (error) {
      if (isMem0Error(error)) {
        if (argumentErrorCodes.has(error.code)) {
          throw new InvalidParamsError(`${tool.name}: ${error.message}`, error.details);
        }
        options.logger?.info({ tool: tool.name, code: error.code }, error.message);
        return { isError: true, content: [{ type: 'text', text: toolErrorMessage(error, args) }] };
      }
      options.logger?.error({ err: error, tool: tool.name }, 'tool failed');
      return {
        isError: true,
        content: [
          {
            type: 'text',
            text: `${tool.name} failed with an internal error; the server log has the details.`,
          },
        ],
      };
    }
  });

  // Protocol faults outside any request, such as a line on stdin that is not JSON.
  server.onerror = (error) => {
    options.logger?.warn({ err: error }, `MCP protocol error: ${error.message}`);
  };

  return server;
}

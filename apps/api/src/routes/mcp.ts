import { Router, type RequestHandler } from 'express';

import {
  type AuditOrigin,
  contextNameSchema,
  invalidArgument,
  Mem0Error,
  type MemoryStore,
} from '@memzero/core';
import { createMcpServer } from '@memzero/mcp';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

import type { Logger } from '../logging.js';
import { principalOf } from '../middleware/authenticate.js';
import { originOf } from '../origin.js';
import type { Principal } from '../principal.js';

export const mcpPath = '/mcp';

export interface McpRouteOptions {
  /** Authenticates the request and checks its rate limits, as for the memory routes. */
  guards: RequestHandler[];
  jsonBody: RequestHandler[];
  storeFor(principal: Principal, origin: AuditOrigin): MemoryStore | Promise<MemoryStore>;
  logger: Logger;
}

/**
 * MCP over Streamable HTTP at `/mcp`, stateless: every POST carries one JSON-RPC message or
 * batch, and its response is JSON on the same HTTP response. Each request gets a server of its own,
 * bound to the caller's store, so one user's tools can never reach another's memories. A
 * read-scoped credential lists and calls only the read tools.
 *
 * There are no sessions, so there is no stream to open with GET and none to end with DELETE.
 * `?context=NAME` sets the context that adding, searching and listing use when a call names
 * none, as `--context` does for mem0-mcp.
 */
export function mcpRouter(options: McpRouteOptions): Router {
  const router = Router();

  router.post(mcpPath, ...options.guards, ...options.jsonBody, async (request, response) => {
    const defaultContext = defaultContextOf(request.query.context);
    const principal = principalOf(response);
    const store = await options.storeFor(principal, originOf(request));
    const server = createMcpServer(store, {
      defaultContext,
      readOnly: principal.scope !== 'write',
      logger: options.logger,
    });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });

    await server.connect(transport);
    await transport.handleRequest(request, response, request.body);
  });

  router.all(mcpPath, (_request, response) => {
    response.setHeader('Allow', 'POST');
    throw new Mem0Error(
      'method_not_allowed',
      'The MCP endpoint is stateless and takes only POST requests with JSON-RPC messages.',
    );
  });

  return router;
}

function defaultContextOf(value: unknown): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const parsed = contextNameSchema.safeParse(value);
  if (!parsed.success) {
    const described = typeof value === 'string' ? `"${value}"` : 'given more than once';
    throw invalidArgument(
      `Invalid context ${described} in the query string of /mcp: ${parsed.error.issues[0]?.message ?? 'not a valid context name'}. Give one name, such as ?context=my-project.`,
    );
  }
  return parsed.data;
}

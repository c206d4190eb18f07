#!/usr/bin/env node
// `mem0-mcp`: the memory tools over MCP on stdin and stdout. Stdout is reserved before anything
// else loads, so that nothing but protocol messages ever reaches it.
import { reserveStdoutForProtocol } from '@memzero/mcp/stdio';

const protocolOutput = reserveStdoutForProtocol();

void import('./mcp/serve-stdio.js').then(({ serveStdio }) =>
  serveStdio(process.argv.slice(2), process.env, protocolOutput),
);

import type { RequestHandler } from 'express';

import { Mem0Error } from '@memzero/core';

/** The names of this machine's loopback interface, as a Host header writes them. */
export const loopbackHosts: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

// A host name or an IPv6 literal in brackets, then an optional port.
const hostPattern = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]/\s]+)(?::(\d{1,5}))?$/;

/** Return the host name of a Host header without its port, lower-cased; undefined when malformed. */
export function hostnameOf(host: string | undefined): string | undefined {
  const match = host === undefined ? null : hostPattern.exec(host);
  return match?.[1]?.toLowerCase();
}

/**
 * Rejects requests whose Host header names another host. A server on 127.0.0.1 is otherwise
 * reachable from a web page through DNS rebinding: the page's own domain resolves to 127.0.0.1,
 * and the browser sends that domain as the Host.
 */
export function requireHost(allowed: readonly string[]): RequestHandler {
  const names = new Set(allowed.map((name) => name.toLowerCase()));
  return (request, _response, next) => {
    const hostname = hostnameOf(request.headers.host);
    if (hostname === undefined || !names.has(hostname)) {
      throw new Mem0Error(
        'forbidden',
        `This server answers only requests addressed to ${allowed.join(', ')}; the Host header names another host.`,
      );
    }
    next();
  };
}

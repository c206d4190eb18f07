import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

import type { Express } from 'express';

import { ConfigError } from './config.js';
import type { Logger } from './logging.js';

/** Listening address, port and TLS files; a `Config` fits. */
export interface ServerSettings {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM files; HTTPS when set, plain HTTP otherwise. */
  tls?: { certFile: string; keyFile: string } | undefined;
  /** How long a shutdown waits for requests in flight before closing their connections. */
  shutdownTimeoutMs: number;
}

export interface StartOptions {
  logger?: Logger;
  /** Runs once the server has stopped taking requests, to close the store, pools and clients. */
  onShutdown?(): Promise<void>;
  /** Signals that start a graceful shutdown (default SIGTERM and SIGINT); false for none. */
  signals?: readonly NodeJS.Signals[] | false;
}

export interface RunningServer {
  server: http.Server | https.Server;
  port: number;
  url: string;
  /** Stop taking connections, let requests in flight finish, then run `onShutdown`. */
  shutdown(reason?: string): Promise<void>;
  /** Resolves when a shutdown has finished. */
  closed: Promise<void>;
}

/** How often idle keep-alive connections are closed while a shutdown waits. */
const idleSweepMs = 100;

function readTls(tls: NonNullable<ServerSettings['tls']>): https.ServerOptions {
  const read = (variable: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new ConfigError([`${variable} names ${path}, which cannot be read (${code}).`]);
    }
  };
  return { cert: read('MEM0_TLS_CERT', tls.certFile), key: read('MEM0_TLS_KEY', tls.keyFile) };
}

function createServer(settings: ServerSettings, app: Express): http.Server | https.Server {
  if (settings.tls === undefined) {
    return http.createServer(app);
  }
  const credentials = readTls(settings.tls);
  try {
    return https.createServer(credentials, app);
  } catch (error) {
    throw new ConfigError([
      `MEM0_TLS_CERT and MEM0_TLS_KEY must hold a PEM certificate and its private key (${(error as Error).message}).`,
    ]);
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE'
          ? 'the port is in use; choose another one'
          : error.code === 'EADDRNOTAVAIL'
            ? 'the address is not one of this machine'
            : error.code === 'EACCES'
              ? 'permission denied; ports below 1024 need privileges'
              : (error.code ?? error.message);
      reject(new ConfigError([`Cannot listen on ${host}:${port}: ${reason}.`]));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Listen with `app` over HTTPS when TLS files are set, plain HTTP otherwise. On SIGTERM or
 * SIGINT the server stops accepting connections, lets requests in flight finish for up to
 * `shutdownTimeoutMs`, then closes the connections still open and runs `onShutdown`. A second
 * signal closes every connection at once.
 */
export async function startServer(
  settings: ServerSettings,
  app: Express,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = options.logger;
  const server = createServer(settings, app);
  await listen(server, settings.port, settings.host);

  const port = (server.address() as AddressInfo).port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `${settings.tls ? 'https' : 'http'}://${host}:${port}`;

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let shutdownPromise: Promise<void> | undefined;
  const signals = options.signals === false ? [] : (options.signals ?? ['SIGTERM', 'SIGINT']);

  const shutdown = (reason = 'shutdown requested'): Promise<void> => {
    shutdownPromise ??= stop(server, settings.shutdownTimeoutMs, reason, options).finally(() => {
      for (const signal of signals) {
        process.off(signal, onSignal);
      }
      resolveClosed();
    });
    return shutdownPromise;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdownPromise) {
      logger?.warn({ signal }, 'second signal: closing every connection now');
      server.closeAllConnections();
      return;
    }
    void shutdown(signal);
  };
  for (const signal of signals) {
    process.on(signal, onSignal);
  }

  // Logged only now, because a test or supervisor that reads this line may signal at once.
  logger?.info({ url }, 'listening');
  return { server, port, url, shutdown, closed };
}

async function stop(
  server: http.Server,
  timeoutMs: number,
  reason: string,
  options: StartOptions,
): Promise<void> {
  const logger = options.logger;
  logger?.info({ reason, timeoutMs }, 'shutting down: finishing requests in flight');

  const closing = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections between requests would hold `close` open until they time out.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), idleSweepMs);
  const deadline = setTimeout(() => {
    logger?.warn({ timeoutMs }, 'shutdown deadline passed: closing the remaining connections');
    server.closeAllConnections();
  }, timeoutMs);

  await closing;
  clearInterval(sweep);
  clearTimeout(deadline);

  try {
    await options.onShutdown?.();
  } catch (error) {
    logger?.error({ err: error }, 'closing resources failed during shutdown');
  }
  logger?.info('stopped');
}

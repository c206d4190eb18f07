import { createClient } from 'redis';

import type { Logger } from './logging.js';

export type RedisClient = ReturnType<typeof createClient>;

/** Return the host and port of a Redis URL, without the user name or password it may contain. */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'the configured address';
  }
}

/**
 * Connect to Redis. The first connection fails after three refused attempts or `timeoutMs`, so
 * that a wrong REDIS_URL stops the start-up. Once connected the client reconnects by itself,
 * and a lost connection is logged once, not at every retry.
 */
export async function connectRedis(
  url: string,
  logger: Logger,
  timeoutMs = 10_000,
): Promise<RedisClient> {
  const address = redisAddress(url);
  let connected = false;
  const client = createClient({
    url,
    // Without Redis a command fails at once instead of waiting in a queue for the connection,
    // so a rate limiter can let the request through (or reject it) rather than hang it.
    disableOfflineQueue: true,
    socket: {
      reconnectStrategy: (retries, cause) => {
        if (!connected && retries >= 3) {
          return new Error(`Cannot connect to Redis at ${address}: ${cause.message}`);
        }
        return Math.min(100 * 2 ** retries, 5_000);
      },
    },
  });

  let failing = false;
  client.on('error', (error: unknown) => {
    if (!failing) {
      failing = true;
      logger.error({ err: error, redis: address }, 'Redis connection failed; retrying');
    }
  });
  client.on('ready', () => {
    if (failing) {
      logger.info({ redis: address }, 'Redis connection restored');
    }
    failing = false;
  });

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Cannot connect to Redis at ${address} within ${timeoutMs} ms.`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([client.connect(), timeout]);
    connected = true;
    return client;
  } catch (error) {
    if (client.isOpen) {
      client.destroy();
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

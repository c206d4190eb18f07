import { writeSync } from 'node:fs';

import { PostgresAdministration, PostgresDatabase } from '@memzero/db/postgres';

import { type Config, ConfigError, loadConfig } from './config.js';
import { createLocalApp } from './local.js';
import { createLogger, type Logger } from './logging.js';
import { connectRedis, type RedisClient } from './redis.js';
import { startServer } from './server.js';
import { registrationSetting } from './routes/admin.js';
import { accessTokenConfig, createAuthService, createTeamApp } from './team.js';

/** Write a start-up failure for the operator; it happens before there is a logger to use. */
function writeError(text: string): void {
  writeSync(2, `mem0-server: ${text}\n`);
}

/**
 * Run the `mem0-server` program: read the configuration, open the database, serve until
 * SIGTERM or SIGINT. Returns the exit code. Logs go to stdout as JSON lines; a failure to start
 * also goes to stderr as one line of text, so it is seen whatever the log level.
 */
export async function runServer(env: NodeJS.ProcessEnv): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      writeError(error.message);
      return 1;
    }
    throw error;
  }

  const logger = createLogger({ level: config.logLevel, name: 'mem0-server' });
  try {
    return config.database.kind === 'postgres'
      ? await serveTeam(config, config.database.url, logger)
      : await serveLocal(config, config.database.path, logger);
  } catch (error) {
    // Always on stderr as one plain line, whatever LOG_LEVEL says: this is the message an
    // operator reads when the server does not come up.
    const reason = startupFailure(error);
    logger.fatal(`start-up failed: ${reason}`);
    writeError(reason);
    return 1;
  }
}

/** Describe why the server could not start, with what to check; no stack, no secrets. */
function startupFailure(error: unknown): string {
  if (error instanceof ConfigError) {
    return error.problems.join(' ');
  }

  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === '3D000') {
    return `${message}. Create it (for example with createdb) or fix the database name in DATABASE_URL.`;
  }
  if (code === '28P01' || code === '28000') {
    return `${message}. Check the user name and password in DATABASE_URL.`;
  }
  if (code === 'store_unavailable') {
    return 'Cannot reach the database of DATABASE_URL. Check that PostgreSQL is running and that DATABASE_URL names the right host and port.';
  }
  return message;
}

async function serveTeam(config: Config, url: string, logger: Logger): Promise<number> {
  const database = new PostgresDatabase(url, {
    // Only the code and message: the error object of an idle connection carries the pg client,
    // whose connection parameters would otherwise be logged.
    onIdleError: (error) =>
      logger.warn(
        { code: (error as { code?: unknown }).code, reason: error.message },
        'an idle database connection failed',
      ),
  });
  const redis: RedisClient | undefined =
    config.redisUrl === undefined ? undefined : await connectRedis(config.redisUrl, logger);

  try {
    const applied = await database.migrate();
    if (applied.length > 0) {
      logger.info({ migrations: applied }, `applied ${applied.length} database migrations`);
    }
    const auth = createAuthService(database, config, await accessTokenConfig(config), logger);
    const stopPruning = pruneAuditLog(database, config.auditRetentionMs, logger);
    const stored = await registrationSetting(new PostgresAdministration(database.pool));
    if (stored !== undefined && stored !== config.registration) {
      logger.warn(
        { stored, environment: config.registration },
        `registration is "${stored}", as an administrator set it; MEM0_REGISTRATION=${config.registration} has no effect until "mem0 admin registration reset"`,
      );
    }
    const app = createTeamApp({
      database,
      auth,
      logger,
      corsOrigins: config.corsOrigins,
      bodyLimitBytes: config.bodyLimitBytes,
      trustProxy: config.trustProxy,
      rateLimit: config.rateLimit,
      ...(redis ? { redis } : {}),
    });

    try {
      const running = await startServer(config, app, { logger });
      await running.closed;
      return 0;
    } finally {
      stopPruning();
    }
  } finally {
    await database.close();
    if (redis?.isOpen) {
      redis.destroy();
    }
  }
}

/** How often old audit events are deleted. */
const auditPruneIntervalMs = 60 * 60 * 1000;

/**
 * Delete audit events older than the retention period now and then every hour, until the
 * returned function is called. A failed run is logged and tried again at the next hour.
 */
function pruneAuditLog(
  database: PostgresDatabase,
  retentionMs: number,
  logger: Logger,
): () => void {
  const administration = new PostgresAdministration(database.pool);
  const prune = async () => {
    try {
      const before = new Date(Date.now() - retentionMs).toISOString();
      const deleted = await administration.pruneAudit(before);
      if (deleted > 0) {
        logger.info({ deleted, before }, `pruned ${deleted} audit events`);
      }
    } catch (error) {
      logger.warn({ err: error }, 'failed to prune the audit log; trying again in an hour');
    }
  };
  void prune();
  const timer = setInterval(() => void prune(), auditPruneIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

async function serveLocal(config: Config, databasePath: string, logger: Logger): Promise<number> {
  const redis: RedisClient | undefined =
    config.redisUrl === undefined ? undefined : await connectRedis(config.redisUrl, logger);

  try {
    // Local-token mode: one user and the token from MEM0_SERVER_TOKEN, until accounts exist.
    const { app, store } = createLocalApp({
      databasePath,
      token: config.localToken!,
      logger,
      corsOrigins: config.corsOrigins,
      bodyLimitBytes: config.bodyLimitBytes,
      trustProxy: config.trustProxy,
      rateLimit: config.rateLimit,
      ...(redis ? { redis } : {}),
    });

    try {
      const running = await startServer(config, app, { logger, onShutdown: () => store.close() });
      await running.closed;
      return 0;
    } catch (error) {
      await store.close();
      throw error;
    }
  } finally {
    // An open Redis connection would keep the process alive after the server stopped.
    if (redis?.isOpen) {
      redis.destroy();
    }
  }
}

import { createHash } from 'node:crypto';

import type { Request, RequestHandler, Response } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';

import { Mem0Error } from '@memzero/core';

import type { Logger } from './logging.js';
import type { Principal } from './principal.js';

/** Request budgets. Every count is per window, and the window restarts when it runs out. */
export interface RateLimitSettings {
  windowMs: number;
  /** Requests of one user (session tokens) or one API key per window on the memory API. */
  perPrincipal: number;
  /**
   * Requests of one IP address per window to routes without authentication, and requests that
   * fail authentication.
   */
  perIp: number;
  /** Login and registration attempts, counted separately per IP address and per account. */
  credentials: { windowMs: number; perIp: number; perAccount: number };
  /** Prepended to every Redis key, so that several deployments can share one Redis. */
  redisPrefix: string;
}

export const defaultRateLimitSettings: RateLimitSettings = {
  windowMs: 60_000,
  perPrincipal: 600,
  perIp: 120,
  credentials: { windowMs: 15 * 60_000, perIp: 50, perAccount: 10 },
  redisPrefix: 'mem0:rate-limit:',
};

/**
 * The one method of a Redis client the limiters use. A connected client of the `redis`
 * package fits. Without one, counts are kept in the memory of each process.
 */
export interface RedisCommandClient {
  sendCommand(args: string[]): Promise<unknown>;
}

interface LimiterOptions {
  /** Names the counters: it becomes part of the Redis key prefix. */
  name: string;
  windowMs: number;
  limit: number;
  keyGenerator?: (request: Request, response: Response) => string;
  /** Count only the requests for which this returns true. */
  countOnly?: (response: Response) => boolean;
  /**
   * When the counter store fails, let requests through (true) or fail them with 500 (false).
   * The memory API stays available while Redis is down, but login limits fail closed.
   */
  passOnStoreError: boolean;
}

/** Builds rate limiters that share one counter backend: Redis when given, memory otherwise. */
export class RateLimiterFactory {
  constructor(
    private readonly settings: RateLimitSettings,
    private readonly logger: Logger,
    private readonly redis?: RedisCommandClient,
  ) {}

  /** Limits each authenticated user, or each API key, on the memory API. */
  perPrincipal(): RequestHandler {
    return this.create({
      name: 'principal',
      windowMs: this.settings.windowMs,
      limit: this.settings.perPrincipal,
      keyGenerator: (_request, response) => principalKey(response.locals.principal as Principal),
      passOnStoreError: true,
    });
  }

  /** Limits each IP address on routes that need no authentication. */
  perIp(name = 'ip'): RequestHandler {
    return this.create({
      name,
      windowMs: this.settings.windowMs,
      limit: this.settings.perIp,
      passOnStoreError: true,
    });
  }

  /**
   * Limits each IP address by its failed authentications: only responses with status 401
   * count, and once the budget is spent every request from that address gets 429 until the
   * window ends.
   */
  authenticationFailures(): RequestHandler {
    return this.create({
      name: 'auth-failure',
      windowMs: this.settings.windowMs,
      limit: this.settings.perIp,
      countOnly: (response) => response.statusCode === 401,
      passOnStoreError: true,
    });
  }

  /**
   * Build two limiters for a login or registration route: one per IP address and one per
   * account. `accountOf` returns the account a request is for, such as its lower-cased email.
   * It runs after the body is parsed, and a request without an account counts only per IP.
   * Accounts are hashed before they become keys, so Redis never stores an email address.
   */
  credentials(
    name: string,
    accountOf: (request: Request) => string | undefined,
    options: { failuresOnly?: boolean } = {},
  ): RequestHandler[] {
    const { windowMs, perIp, perAccount } = this.settings.credentials;
    const byIp = this.create({
      name: `${name}-ip`,
      windowMs,
      limit: perIp,
      passOnStoreError: false,
    });
    const byAccount = this.create({
      name: `${name}-account`,
      windowMs,
      limit: perAccount,
      keyGenerator: (request) => `account:${hashAccount(accountOf(request) ?? '')}`,
      // With failuresOnly, the owner's own successful logins never use up the budget.
      ...(options.failuresOnly
        ? { countOnly: (response: Response) => response.statusCode >= 400 }
        : {}),
      passOnStoreError: false,
    });

    const accountLimiter: RequestHandler = (request, response, next) => {
      if (accountOf(request) === undefined) {
        next();
        return;
      }
      return byAccount(request, response, next);
    };
    return [byIp, accountLimiter];
  }

  private create(options: LimiterOptions): RequestHandler {
    const windowSeconds = Math.ceil(options.windowMs / 1000);
    return rateLimit({
      windowMs: options.windowMs,
      limit: options.limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      ...(options.keyGenerator ? { keyGenerator: options.keyGenerator } : {}),
      ...(options.countOnly
        ? {
            skipSuccessfulRequests: true,
            requestWasSuccessful: (_request: Request, response: Response) =>
              !options.countOnly!(response),
          }
        : {}),
      passOnStoreError: options.passOnStoreError,
      store: this.store(options.name),
      logger: {
        error: (error: unknown, message?: string) =>
          this.logger.error(
            { err: error, limiter: options.name },
            message ?? 'rate limiter failed',
          ),
        warn: (error: unknown, message?: string) =>
          this.logger.warn(
            { err: error, limiter: options.name },
            message ?? 'rate limiter warning',
          ),
      },
      // express-rate-limit has already set Retry-After when the handler runs.
      handler: (_request, _response, next) => {
        next(
          new Mem0Error(
            'rate_limited',
            `${limitSubject(options.name)}: the limit is ${options.limit} per ${windowSeconds} seconds. Wait for the time in the Retry-After header, then try again.`,
          ),
        );
      },
    });
  }

  private store(name: string): Store | undefined {
    const redis = this.redis;
    if (redis === undefined) {
      return undefined;
    }
    return new RedisStore({
      prefix: `${this.settings.redisPrefix}${name}:`,
      sendCommand: (...args: string[]) => redis.sendCommand(args) as Promise<RedisReply>,
    });
  }
}

/** Session tokens share the budget of their user; each API key has a budget of its own. */
function principalKey(principal: Principal): string {
  return principal.keyId !== undefined ? `key:${principal.keyId}` : `user:${principal.userId}`;
}

function hashAccount(account: string): string {
  return createHash('sha256').update(account).digest('base64url');
}

/**
 * Build the limiters of a login or registration route (see `RateLimiterFactory.credentials`)
 * for code that has no app kit at hand. Inside `extraRoutes`, use `kit.limiters.credentials`, which
 * shares the app's settings and Redis client.
 */
export function createCredentialLimiters(
  name: string,
  accountOf: (request: Request) => string | undefined,
  options: { logger: Logger; settings?: RateLimitSettings; redis?: RedisCommandClient },
): RequestHandler[] {
  const factory = new RateLimiterFactory(
    options.settings ?? defaultRateLimitSettings,
    options.logger,
    options.redis,
  );
  return factory.credentials(name, accountOf);
}

/** Name what a limiter counts, so that a 429 says which limit was reached. */
function limitSubject(name: string): string {
  if (name === 'auth-failure') {
    return 'Too many requests with invalid credentials from this address';
  }
  if (name.endsWith('-account')) {
    return 'Too many attempts for this account';
  }
  if (name.endsWith('-ip')) {
    return 'Too many attempts from this address';
  }
  if (name === 'principal') {
    return 'Too many requests with this credential';
  }
  return 'Too many requests from this address';
}

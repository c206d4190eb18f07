import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import cors from 'cors';
import express, { type Express, type RequestHandler, Router } from 'express';
import helmet from 'helmet';

import type { AuditOrigin, MemoryStore } from '@memzero/core';

import type { ApiRoute, RequestContext } from './api-route.js';
import { problemErrorHandler, unknownRouteHandler } from './error-handler.js';
import { createHttpLogger, type Logger } from './logging.js';
import { authenticateRequests, principalOf, requireScope } from './middleware/authenticate.js';
import { requireHost } from './middleware/host-check.js';
import { jsonBody } from './middleware/json-body.js';
import { buildOpenApiDocument } from './openapi.js';
import { originOf } from './origin.js';
import type { Authenticate, Principal } from './principal.js';
import {
  defaultRateLimitSettings,
  RateLimiterFactory,
  type RateLimitSettings,
  type RedisCommandClient,
} from './rate-limit.js';
import { exportRoutes } from './routes/export.js';
import { importRoutes } from './routes/import.js';
import { mcpRouter } from './routes/mcp.js';
import { memoryRoutes } from './routes/memories.js';
import { searchRoutes } from './routes/search.js';
import { systemRouter } from './routes/system.js';

/** Express's `trust proxy`: off, a number of proxy hops, or the proxies' addresses and subnets. */
export type TrustProxy = false | number | readonly string[];

/** Middleware for `extraRoutes`, to build routes that behave like the app's own. */
export interface RouteKit {
  /** Authenticates the bearer token into `response.locals.principal` (see `principalOf`). */
  authenticate: RequestHandler;
  /** Counts requests that fail authentication per IP, and rejects an address with too many. */
  limitFailedAuthentication: RequestHandler;
  /** The per-user budget of the memory API; use it after `authenticate`. */
  limitPerPrincipal: RequestHandler;
  /** The per-IP budget of routes without authentication. */
  limitPerIp: RequestHandler;
  /** Parses a JSON body under the app's size limit; rejects other media types with 415. */
  jsonBody: RequestHandler[];
  /** Builds login and registration limiters that share the app's counters (Redis or memory). */
  limiters: RateLimiterFactory;
  logger: Logger;
}

export interface AppOptions {
  /** Resolves a bearer token to its caller; rejects with code `unauthenticated`. */
  authenticate: Authenticate;
  /**
   * Middleware that authenticates requests in place of the default one built on `authenticate`,
   * such as a passport strategy. It must store the caller in `response.locals.principal`.
   */
  authenticateRequest?: RequestHandler;
  /**
   * Returns the memory store bound to a caller, which reads and changes only what that user may. Called
   * once per authenticated request, so it should be cheap (a shared pool or a cached store);
   * the app never closes it. `origin` is the client address and user agent, for the audit log.
   */
  storeFor(principal: Principal, origin: AuditOrigin): MemoryStore | Promise<MemoryStore>;
  /** Resolves when the database is reachable and migrated; `/readyz` returns 503 otherwise. */
  ready(): Promise<void>;
  logger: Logger;
  /**
   * Adds routes, such as the account routes, before the app's own: a path defined here takes
   * precedence. `document` describes them in `/openapi.json`.
   */
  extraRoutes?(router: Router, kit: RouteKit): void;
  document?(registry: OpenAPIRegistry): void;
  /** Browser origins allowed by CORS, such as `https://app.example.com`; none by default. */
  corsOrigins?: readonly string[];
  /** The largest JSON body accepted, in bytes (default 1 MiB). */
  bodyLimitBytes?: number;
  /** Proxies trusted to report the client address in X-Forwarded-For (default: none). */
  trustProxy?: TrustProxy;
  /** Request budgets (default `defaultRateLimitSettings`). */
  rateLimit?: RateLimitSettings;
  /** A connected Redis client that stores the rate-limit counters of every instance. */
  redis?: RedisCommandClient;
  /** When set, requests whose Host header names another host are rejected with 403. */
  allowedHosts?: readonly string[];
}

export const defaultBodyLimitBytes = 1024 * 1024;

/** Build the Express app of the mem0 API. It does not listen; see `startServer`. */
export function createApp(options: AppOptions): Express {
  const app = express();
  const trustProxy = options.trustProxy ?? false;
  app.set('trust proxy', Array.isArray(trustProxy) ? [...trustProxy] : trustProxy);
  app.set('query parser', 'simple');
  app.disable('x-powered-by');

  const limiters = new RateLimiterFactory(
    options.rateLimit ?? defaultRateLimitSettings,
    options.logger,
    options.redis,
  );
  const authFailures = limiters.authenticationFailures();
  const kit: RouteKit = {
    limitFailedAuthentication: authFailures,
    authenticate: options.authenticateRequest ?? authenticateRequests(options.authenticate),
    limitPerPrincipal: limiters.perPrincipal(),
    limitPerIp: limiters.perIp(),
    jsonBody: jsonBody(options.bodyLimitBytes ?? defaultBodyLimitBytes),
    limiters,
    logger: options.logger,
  };
  // The export route comes first, before `/v1/memories/:id` would take `export` for an id.
  const routes = [...exportRoutes, ...memoryRoutes, ...importRoutes, ...searchRoutes];
  const document = buildOpenApiDocument(routes, options.document);

  // Logging first, so that every response, rejections included, gets a log line and a request id.
  app.use(createHttpLogger(options.logger));
  if (options.allowedHosts) {
    app.use(requireHost(options.allowedHosts));
  }
  app.use(helmet());
  if (options.corsOrigins && options.corsOrigins.length > 0) {
    app.use(corsFor(options.corsOrigins));
  }

  app.use('/openapi.json', kit.limitPerIp);
  app.use(systemRouter(options.ready, document, options.logger));

  if (options.extraRoutes) {
    const extra = Router();
    options.extraRoutes(extra, kit);
    app.use(extra);
  }

  app.use(apiRouter(routes, options, kit, authFailures));
  app.use(
    mcpRouter({
      guards: [noStore, authFailures, kit.authenticate, kit.limitPerPrincipal],
      jsonBody: kit.jsonBody,
      storeFor: options.storeFor,
      logger: options.logger,
    }),
  );

  app.use(limiters.perIp('unknown-route'), unknownRouteHandler());
  app.use(problemErrorHandler());
  return app;
}

function apiRouter(
  routes: readonly ApiRoute[],
  options: AppOptions,
  kit: RouteKit,
  authFailures: RequestHandler,
): Router {
  const router = Router();
  for (const route of routes) {
    router[route.method](
      route.path,
      noStore,
      authFailures,
      kit.authenticate,
      kit.limitPerPrincipal,
      requireScope(route.scope),
      ...(route.request?.body ? kit.jsonBody : []),
      async (request, response) => {
        const principal = principalOf(response);
        const store = await options.storeFor(principal, originOf(request));
        const context: RequestContext = { principal, store };
        await route.handle(request, response, context);
      },
    );
  }
  return router;
}

// Responses contain private data, so no shared cache may store them.
const noStore: RequestHandler = (_request, response, next) => {
  response.setHeader('Cache-Control', 'no-store');
  next();
};

function corsFor(origins: readonly string[]): RequestHandler {
  return cors({
    origin: [...origins],
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['Location', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'X-Request-Id'],
    maxAge: 600,
  });
}

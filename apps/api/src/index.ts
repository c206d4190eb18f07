export { createApp, defaultBodyLimitBytes } from './app.js';
export type { AppOptions, RouteKit, TrustProxy } from './app.js';
export type { ApiRoute, RequestContext } from './api-route.js';
export type { Authenticate, AuthenticationMethod, Principal, Scope } from './principal.js';
export { ConfigError, loadConfig } from './config.js';
export type { Config, DatabaseConfig, JwtConfig, RegistrationMode } from './config.js';
export { startServer } from './server.js';
export type { RunningServer, ServerSettings, StartOptions } from './server.js';
export { createHttpLogger, createLogger, redactedPaths } from './logging.js';
export type { Logger, LoggerOptions } from './logging.js';
export {
  createCredentialLimiters,
  defaultRateLimitSettings,
  RateLimiterFactory,
} from './rate-limit.js';
export type { RateLimitSettings, RedisCommandClient } from './rate-limit.js';
export { problemContentType, problemFor, sendProblem } from './problem.js';
export type { Problem } from './problem.js';
export { toMem0Error } from './error-handler.js';
export { bearerToken, principalOf, requireScope } from './middleware/authenticate.js';
export { hostnameOf, loopbackHosts, requireHost } from './middleware/host-check.js';
export { jsonObject } from './middleware/json-body.js';
export { buildOpenApiDocument } from './openapi.js';
export type { OpenApiDocument } from './openapi.js';
export { createLocalApp, localTokenAuthenticator, sqliteReadiness } from './local.js';
export type { LocalAppOptions } from './local.js';
export { connectRedis } from './redis.js';
export type { RedisClient } from './redis.js';
export { runServer } from './run-server.js';
export { accessTokenConfig, createAuthService, createTeamApp } from './team.js';
export type { TeamAppOptions } from './team.js';

import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import type { Express, Request, RequestHandler, Response, Router } from 'express';
import { Passport } from 'passport';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

import {
  type AccessTokenConfig,
  AuthService,
  type AuthTokens,
  createBearerStrategy,
  type Principal,
} from '@memzero/auth';
import {
  apiKeyScopes,
  type AuditOrigin,
  isoTimestampSchema,
  Mem0Error,
  notFound,
  parseInput,
  type Team,
} from '@memzero/core';
import {
  PostgresAccountRepository,
  PostgresAdministration,
  type PostgresDatabase,
  PostgresTeams,
} from '@memzero/db/postgres';

import { type AppOptions, createApp, type RouteKit } from './app.js';
import type { Config } from './config.js';
import { bearerToken, principalOf, requireScope } from './middleware/authenticate.js';
import { jsonObject } from './middleware/json-body.js';
import type { Logger } from './logging.js';
import { originOf } from './origin.js';
import {
  adminRoutes,
  auditRecorder,
  documentAdminRoutes,
  registrationSetting,
  withDeletionAudit,
} from './routes/admin.js';
import { withReadScope } from './read-scope.js';
import { documentTeamRoutes, teamRoutes } from './routes/teams.js';

// The `iss` and `aud` claims of access tokens. Fixed names: a token of another service, even
// one signed with the same secret, carries other claims and is rejected.
const tokenIssuer = 'mem0-server';
const tokenAudience = 'mem0-api';

const credentialsSchema = z.strictObject({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string(),
  name: z.string().trim().min(1).max(100).optional(),
  /** A team invite for this email, redeemed with the registration or login. */
  inviteToken: z.string().trim().min(1).max(200).optional(),
});

const refreshSchema = z.strictObject({ refreshToken: z.string().min(1).max(512) });

const newApiKeySchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scope: z.enum(apiKeyScopes),
  expiresAt: isoTimestampSchema.optional(),
});

/** Build the access token settings from the server configuration, reading key files. */
export async function accessTokenConfig(config: Config): Promise<AccessTokenConfig> {
  const jwt = config.jwt;
  if (jwt === undefined) {
    throw new Mem0Error(
      'invalid_argument',
      'Team mode needs MEM0_JWT_SECRET, or MEM0_JWT_PRIVATE_KEY_FILE with MEM0_JWT_PUBLIC_KEY_FILE.',
    );
  }
  const claims = {
    issuer: tokenIssuer,
    audience: tokenAudience,
    lifetimeSeconds: config.accessTokenTtlSeconds,
  };
  if (jwt.kind === 'secret') {
    return { algorithm: 'HS256', secret: jwt.secret, ...claims };
  }

  const [privateKey, publicKey] = await Promise.all([
    readFile(jwt.privateKeyFile),
    readFile(jwt.publicKeyFile),
  ]);
  const type = createPublicKey(publicKey).asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec') {
    throw new Mem0Error(
      'invalid_argument',
      `The key in MEM0_JWT_PUBLIC_KEY_FILE is of type ${type ?? 'unknown'}; use an RSA key (RS256) or a P-256 key (ES256).`,
    );
  }
  return { algorithm: type === 'rsa' ? 'RS256' : 'ES256', privateKey, publicKey, ...claims };
}

export interface TeamAppOptions extends Omit<
  AppOptions,
  'authenticate' | 'storeFor' | 'ready' | 'extraRoutes' | 'document'
> {
  database: PostgresDatabase;
  auth: AuthService;
}

/** Create the authentication service of a team server on its PostgreSQL database. */
export function createAuthService(
  database: PostgresDatabase,
  config: Config,
  accessTokens: AccessTokenConfig,
  logger?: Logger,
): AuthService {
  const administration = new PostgresAdministration(database.pool);
  return new AuthService(new PostgresAccountRepository(database.pool), {
    accessTokens,
    registration: config.registration,
    registrationOverride: () => registrationSetting(administration),
    audit: auditRecorder(administration, logger),
    sessionLifetimeSeconds: config.refreshTokenTtlSeconds,
    refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
  });
}

/**
 * Build the team server's app: the memory API on PostgreSQL, a store per user, and the account
 * routes (register, login, refresh, logout, me, API keys).
 */
export function createTeamApp(options: TeamAppOptions): Express {
  const { database, auth, ...appOptions } = options;
  const administration = new PostgresAdministration(database.pool);
  const audit = auditRecorder(administration, appOptions.logger);
  const teams = new PostgresTeams(database.pool, { audit });
  return createApp({
    ...appOptions,
    authenticate: (token) => auth.authenticate(token),
    authenticateRequest: passportAuthentication(auth),
    storeFor: (principal, origin) => {
      const store = withDeletionAudit(
        database.storeFor(principal.userId),
        principal.userId,
        origin,
        audit,
        (team) => administration.teamIdByName(team),
      );
      return principal.scope === 'read' ? withReadScope(store) : store;
    },
    ready: () => database.ready(),
    extraRoutes: (router, kit) => {
      accountRoutes(router, kit, auth, teams);
      adminRoutes(router, kit, { auth, administration, audit });
      teamRoutes(router, kit, { teams, administration });
    },
    document: (registry) => {
      documentAccountRoutes(registry);
      documentAdminRoutes(registry);
      documentTeamRoutes(registry);
    },
  });
}

function accountRoutes(
  router: Router,
  kit: RouteKit,
  auth: AuthService,
  teams: PostgresTeams,
): void {
  const emailOf = (request: Request) => {
    const email = (request.body as { email?: unknown } | undefined)?.email;
    return typeof email === 'string' ? email.trim().toLowerCase() : undefined;
  };
  const refreshTokenOf = (request: Request) => {
    const token = (request.body as { refreshToken?: unknown } | undefined)?.refreshToken;
    return typeof token === 'string' ? token : undefined;
  };

  router.post(
    '/v1/auth/register',
    ...kit.jsonBody,
    ...kit.limiters.credentials('register', emailOf),
    async (request, response) => {
      const { inviteToken, ...input } = parseInput(credentialsSchema, jsonObject(request.body));
      const origin = originOf(request);
      // The invite is checked before the account exists, so a bad token creates nothing.
      if (inviteToken !== undefined) {
        await teams.checkInvite(inviteToken, input.email);
      }
      await auth.register(input, origin, { invited: inviteToken !== undefined });
      const tokens = await auth.login(input.email, input.password, origin);
      const team = await joinWithInvite(teams, tokens, inviteToken, origin);
      sendTokens(response, 201, tokens, team);
    },
  );

  router.post(
    '/v1/auth/login',
    ...kit.jsonBody,
    ...kit.limiters.credentials('login', emailOf, { failuresOnly: true }),
    async (request, response) => {
      const { inviteToken, ...input } = parseInput(credentialsSchema, jsonObject(request.body));
      const origin = originOf(request);
      if (inviteToken !== undefined) {
        await teams.checkInvite(inviteToken, input.email);
      }
      const tokens = await auth.login(input.email, input.password, origin);
      const team = await joinWithInvite(teams, tokens, inviteToken, origin);
      sendTokens(response, 200, tokens, team);
    },
  );

  router.post(
    '/v1/auth/refresh',
    ...kit.jsonBody,
    ...kit.limiters.credentials('refresh', refreshTokenOf),
    async (request, response) => {
      const { refreshToken } = parseInput(refreshSchema, jsonObject(request.body));
      sendTokens(response, 200, await auth.refresh(refreshToken, originOf(request)));
    },
  );

  router.post('/v1/auth/logout', ...kit.jsonBody, kit.limitPerIp, async (request, response) => {
    const { refreshToken } = parseInput(refreshSchema, jsonObject(request.body));
    await auth.logout(refreshToken, originOf(request));
    response.status(204).end();
  });

  router.get(
    '/v1/me',
    kit.limitFailedAuthentication,
    kit.authenticate,
    kit.limitPerPrincipal,
    async (_request, response) => {
      const principal = principalOf(response);
      const user = await auth.user(principal.userId);
      if (user === undefined) {
        throw notFound('The account of this credential no longer exists.');
      }
      response.json({ ...user, via: principal.via, scope: principal.scope });
    },
  );

  router.get(
    '/v1/api-keys',
    kit.limitFailedAuthentication,
    kit.authenticate,
    kit.limitPerPrincipal,
    async (_request, response) => {
      const keys = await auth.listApiKeys(principalOf(response).userId);
      response.json({ items: keys, nextCursor: null });
    },
  );

  router.post(
    '/v1/api-keys',
    kit.limitFailedAuthentication,
    kit.authenticate,
    kit.limitPerPrincipal,
    requireScope('write'),
    requireSession,
    ...kit.jsonBody,
    async (request, response) => {
      const input = parseInput(newApiKeySchema, jsonObject(request.body));
      const created = await auth.createApiKey(
        principalOf(response).userId,
        input,
        originOf(request),
      );
      response.status(201).json({ ...created.apiKey, key: created.key });
    },
  );

  router.delete(
    '/v1/api-keys/:id',
    kit.limitFailedAuthentication,
    kit.authenticate,
    kit.limitPerPrincipal,
    requireScope('write'),
    requireSession,
    async (request, response) => {
      await auth.revokeApiKey(
        principalOf(response).userId,
        String(request.params.id),
        originOf(request),
      );
      response.status(204).end();
    },
  );
}

/**
 * Authenticate requests with the passport bearer strategy of the auth package. The header is
 * checked first, so a missing or malformed one gets its own message; the strategy then takes
 * the token from the header only and stores the caller for the routes.
 */
function passportAuthentication(auth: AuthService): RequestHandler {
  const authenticator = new Passport();
  authenticator.use(createBearerStrategy(auth));

  return (request, response, next) => {
    bearerToken(request);
    const verify = authenticator.authenticate(
      'bearer',
      { session: false },
      (error: unknown, principal: Principal | false, challenge: unknown) => {
        if (error) {
          next(error);
          return;
        }
        if (!principal) {
          next(new Mem0Error('unauthenticated', failureMessage(challenge)));
          return;
        }
        response.locals.principal = principal;
        next();
      },
    ) as RequestHandler;
    verify(request, response, next);
  };
}

const tokensSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int().describe('Seconds until the access token expires.'),
  user: z.object({}).passthrough(),
});

/** Describe the account routes in `/openapi.json` with the schemas that validate them. */
function documentAccountRoutes(registry: OpenAPIRegistry): void {
  const json = (schema: z.ZodTypeAny) => ({ content: { 'application/json': { schema } } });
  const body = (schema: z.ZodTypeAny) => ({ body: { required: true, ...json(schema) } });
  const bearer = [{ bearerAuth: [] }];
  const problem = { description: 'An error as problem+json, with a stable code.' };

  registry.registerPath({
    method: 'post',
    path: '/v1/auth/register',
    summary: 'Create an account and log in',
    request: body(credentialsSchema),
    responses: {
      201: { description: 'Tokens.', ...json(tokensSchema) },
      403: problem,
      409: problem,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/auth/login',
    summary: 'Log in with email and password',
    request: body(credentialsSchema),
    responses: { 200: { description: 'Tokens.', ...json(tokensSchema) }, 401: problem },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/auth/refresh',
    summary: 'Exchange a refresh token for new tokens; each refresh token works once',
    request: body(refreshSchema),
    responses: { 200: { description: 'Tokens.', ...json(tokensSchema) }, 401: problem },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/auth/logout',
    summary: 'End the session of a refresh token',
    request: body(refreshSchema),
    responses: { 204: { description: 'The session is revoked.' } },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/api-keys',
    summary: 'List your API keys, without their secrets',
    security: bearer,
    responses: { 200: { description: 'A page of keys.' }, 401: problem },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/api-keys',
    summary: 'Create an API key; the response holds the key, shown only this once',
    security: bearer,
    request: body(newApiKeySchema),
    responses: { 201: { description: 'The key record and `key`.' }, 401: problem, 403: problem },
  });
  registry.registerPath({
    method: 'delete',
    path: '/v1/api-keys/{id}',
    summary: 'Revoke one of your API keys',
    security: bearer,
    request: { params: z.object({ id: z.string() }) },
    responses: { 204: { description: 'Revoked.' }, 404: problem },
  });
}

/**
 * Return the reason the bearer strategy gave for a failure. The strategy reports it in the
 * `error_description` of its WWW-Authenticate challenge, such as `Bearer realm="Users",
 * error="invalid_token", error_description="The access token has expired. Log in again."`.
 */
function failureMessage(challenge: unknown): string {
  const challenges = Array.isArray(challenge) ? challenge : [challenge];
  for (const entry of challenges) {
    const match = typeof entry === 'string' ? /error_description="([^"]*)"/.exec(entry) : null;
    if (match?.[1]) {
      return match[1];
    }
  }
  return 'The bearer token is not valid. Log in again or use another API key.';
}

/**
 * Reject API keys on the routes that manage API keys: a leaked key must not be able to make a
 * new key that outlives its own revocation.
 */
const requireSession: RequestHandler = (_request, response, next) => {
  if (principalOf(response).via !== 'session') {
    throw new Mem0Error(
      'forbidden',
      'API keys are created and revoked from a login session, not with an API key. Log in with your email and password.',
    );
  }
  next();
};

/** Redeem an invite for the user who just registered or logged in; the team joined, if any. */
async function joinWithInvite(
  teams: PostgresTeams,
  tokens: AuthTokens,
  inviteToken: string | undefined,
  origin: AuditOrigin,
): Promise<Team | undefined> {
  if (inviteToken === undefined) {
    return undefined;
  }
  const actor = { userId: tokens.user.id, origin };
  return teams.acceptInvite(actor, tokens.user.email ?? '', inviteToken);
}

function sendTokens(response: Response, status: number, tokens: AuthTokens, team?: Team): void {
  response
    .status(status)
    .set('Cache-Control', 'no-store')
    .json(team === undefined ? tokens : { ...tokens, team });
}

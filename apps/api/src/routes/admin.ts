import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { RequestHandler, Router } from 'express';
import { z } from 'zod';

import { type AuthService, type RegistrationPolicy, registrationPolicies } from '@memzero/auth';
import {
  type AuditEntry,
  type AuditOrigin,
  type AuditPage,
  type AuditRecorder,
  auditActions,
  invalidArgument,
  isoTimestampSchema,
  Mem0Error,
  notFound,
  type MemoryStore,
  parseContextName,
  parseInput,
  type UserRecord,
  validationError,
} from '@memzero/core';
import type { PostgresAdministration } from '@memzero/db/postgres';

import type { RouteKit } from '../app.js';
import type { Logger } from '../logging.js';
import { principalOf, requireScope } from '../middleware/authenticate.js';
import { jsonObject } from '../middleware/json-body.js';
import { originOf } from '../origin.js';

/** The name of the registration policy among the instance settings. */
const registrationSettingName = 'registration';

const limitMessage = 'must be a whole number from 1 to 500';
const pageLimitSchema = z.coerce
  .number({ invalid_type_error: limitMessage })
  .int(limitMessage)
  .min(1, limitMessage)
  .max(500, limitMessage)
  .default(50);

const userListQuerySchema = z.strictObject({
  limit: pageLimitSchema,
  cursor: z.string().min(1).optional(),
});

export const auditQuerySchema = z.strictObject({
  actor: z.string().trim().min(1).max(254).optional(),
  action: z.enum(auditActions).optional(),
  since: isoTimestampSchema.optional(),
  until: isoTimestampSchema.optional(),
  limit: pageLimitSchema,
  cursor: z.string().min(1).optional(),
});

/**
 * Parse a query string: a parameter given twice, an unknown one or an invalid value is a
 * malformed request (400), as on the memory routes.
 */
export function parseQuery<T extends z.ZodTypeAny>(
  schema: T,
  query: Record<string, unknown>,
): z.output<T> {
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value)) {
      throw invalidArgument(`The query parameter ${name} must be given once.`);
    }
  }
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    throw invalidArgument(validationError(parsed.error).message);
  }
  return parsed.data as z.output<T>;
}

// ULIDs are upper case; an id typed in lower case names the same user.
const ulidPattern = /^[0-9a-hjkmnp-tv-z]{26}$/i;

const registrationBodySchema = z.strictObject({ policy: z.enum(registrationPolicies) });

export interface AdminDependencies {
  auth: AuthService;
  administration: PostgresAdministration;
  audit: AuditRecorder;
}

/**
 * Create the audit recorder of a team server: every entry goes to the audit log with the time
 * it happened. A failure to write is logged and swallowed, so that an audit outage never turns
 * a login or a deletion into an error after the fact.
 */
export function auditRecorder(
  administration: PostgresAdministration,
  logger: Logger | undefined,
): AuditRecorder {
  return async (entry: AuditEntry) => {
    try {
      await administration.recordAudit(entry, new Date().toISOString());
    } catch (error) {
      logger?.error(
        {
          err: error,
          action: entry.action,
          actorId: entry.actorId,
          targetType: entry.targetType,
          targetId: entry.targetId,
          details: entry.details,
        },
        'failed to write an audit event',
      );
    }
  };
}

/** Return the registration policy an administrator set, or undefined to use the environment's. */
export async function registrationSetting(
  administration: PostgresAdministration,
): Promise<RegistrationPolicy | undefined> {
  const value = await administration.setting(registrationSettingName);
  return (registrationPolicies as readonly string[]).includes(value ?? '')
    ? (value as RegistrationPolicy)
    : undefined;
}

/**
 * Wrap a user's store so that every deletion, whatever route or tool asked for it, is recorded
 * in the audit log.
 */
export function withDeletionAudit(
  store: MemoryStore,
  actorId: string,
  origin: AuditOrigin,
  audit: AuditRecorder,
  teamIdOf: (context: string) => Promise<string | undefined> = async () => undefined,
): MemoryStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'delete') {
        return async (id: string) => {
          const deleted = await target.delete(id);
          // A deletion in a team's context is part of the team's log too.
          const owner = parseContextName(deleted.context).owner;
          await audit({
            action: 'memory.delete',
            actorId,
            targetType: 'memory',
            targetId: deleted.id,
            teamId: owner?.kind === 'team' ? await teamIdOf(owner.name) : undefined,
            details: { context: deleted.context },
            origin,
          });
          return deleted;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

function publicUser(user: UserRecord) {
  const { passwordHash: _hash, ...rest } = user;
  return rest;
}

/**
 * Routes of the instance administrator: users (list, disable, enable), the registration
 * policy, and the audit log. Any other caller gets 403.
 */
export function adminRoutes(router: Router, kit: RouteKit, deps: AdminDependencies): void {
  const { auth, administration, audit } = deps;

  const requireAdmin: RequestHandler = async (_request, response, next) => {
    const user = await auth.user(principalOf(response).userId);
    if (user?.isAdmin !== true) {
      throw new Mem0Error(
        'forbidden',
        "Only the server's administrators may use this route. The first account registered is one.",
      );
    }
    next();
  };
  const guards = (scope: 'read' | 'write') => [
    kit.limitFailedAuthentication,
    kit.authenticate,
    kit.limitPerPrincipal,
    requireScope(scope),
    requireAdmin,
  ];

  router.get('/v1/admin/users', ...guards('read'), async (request, response) => {
    const query = parseQuery(userListQuerySchema, request.query);
    const page = await administration.listUsers(query.limit, query.cursor);
    response.json({ items: page.items.map(publicUser), nextCursor: page.nextCursor });
  });

  const changeDisabled = (disable: boolean): RequestHandler => {
    return async (request, response) => {
      const actorId = principalOf(response).userId;
      const userId = String(request.params.id);
      if (disable && userId.toUpperCase() === actorId) {
        throw new Mem0Error(
          'conflict',
          'You cannot disable your own account. Ask another administrator, if there is one.',
        );
      }
      const { user, changed } = await administration.setUserDisabled(
        userId.toUpperCase(),
        disable ? new Date().toISOString() : null,
      );
      if (!changed) {
        response.json(publicUser(user));
        return;
      }
      await audit({
        action: disable ? 'admin.user_disable' : 'admin.user_enable',
        actorId,
        targetType: 'user',
        targetId: user.id,
        details: { email: user.email },
        origin: originOf(request),
      });
      response.json(publicUser(user));
    };
  };
  router.post('/v1/admin/users/:id/disable', ...guards('write'), changeDisabled(true));
  router.post('/v1/admin/users/:id/enable', ...guards('write'), changeDisabled(false));

  const changeAdmin = (admin: boolean): RequestHandler => {
    return async (request, response) => {
      const userId = String(request.params.id).toUpperCase();
      const { user, changed } = await administration.setUserAdmin(userId, admin);
      if (changed) {
        await audit({
          action: admin ? 'admin.admin_grant' : 'admin.admin_revoke',
          actorId: principalOf(response).userId,
          targetType: 'user',
          targetId: user.id,
          details: { email: user.email },
          origin: originOf(request),
        });
      }
      response.json(publicUser(user));
    };
  };
  router.put('/v1/admin/users/:id/admin', ...guards('write'), changeAdmin(true));
  router.delete('/v1/admin/users/:id/admin', ...guards('write'), changeAdmin(false));

  router.delete('/v1/admin/registration', ...guards('write'), async (request, response) => {
    const before = await registrationSetting(administration);
    await administration.removeSetting(registrationSettingName);
    if (before !== undefined) {
      await audit({
        action: 'admin.registration_change',
        actorId: principalOf(response).userId,
        targetType: 'setting',
        targetId: registrationSettingName,
        details: { from: before, to: auth.registrationPolicy, reset: true },
        origin: originOf(request),
      });
    }
    response.json({ policy: auth.registrationPolicy, source: 'environment' });
  });

  router.get('/v1/admin/registration', ...guards('read'), async (_request, response) => {
    const setting = await registrationSetting(administration);
    response.json({
      policy: setting ?? auth.registrationPolicy,
      source: setting === undefined ? 'environment' : 'administrator',
    });
  });

  router.put(
    '/v1/admin/registration',
    ...guards('write'),
    ...kit.jsonBody,
    async (request, response) => {
      const { policy } = parseInput(registrationBodySchema, jsonObject(request.body));
      const actorId = principalOf(response).userId;
      const before = (await registrationSetting(administration)) ?? auth.registrationPolicy;
      await administration.changeSetting(
        registrationSettingName,
        policy,
        actorId,
        new Date().toISOString(),
      );
      if (before === policy) {
        response.json({ policy, source: 'administrator' });
        return;
      }
      await audit({
        action: 'admin.registration_change',
        actorId,
        targetType: 'setting',
        targetId: registrationSettingName,
        details: { from: before, to: policy },
        origin: originOf(request),
      });
      response.json({ policy, source: 'administrator' });
    },
  );

  router.get('/v1/admin/audit', ...guards('read'), async (request, response) => {
    response.json(await auditPage(administration, request.query));
  });
}

/**
 * Read one page of the audit log for the query string of a request: filters by actor (an id,
 * in any case, or an email), action and time range, and `teamId` when given.
 */
export async function auditPage(
  administration: PostgresAdministration,
  queryString: Record<string, unknown>,
  teamId?: string,
): Promise<AuditPage> {
  const query = parseQuery(auditQuerySchema, queryString);
  if (
    query.since !== undefined &&
    query.until !== undefined &&
    Date.parse(query.since) >= Date.parse(query.until)
  ) {
    throw invalidArgument('since must be earlier than until.');
  }
  return administration.listAudit({
    ...query,
    teamId,
    actorId: await actorIdOf(administration, query.actor),
  });
}

/** Resolve `actor` (an id, in any case, or an email) to a user id; an unknown email is 404. */
async function actorIdOf(
  administration: PostgresAdministration,
  actor: string | undefined,
): Promise<string | undefined> {
  if (actor === undefined || !actor.includes('@')) {
    return actor !== undefined && ulidPattern.test(actor) ? actor.toUpperCase() : actor;
  }
  const id = await administration.userIdByEmail(actor);
  if (id === undefined) {
    throw notFound(`No account has the email ${actor}.`);
  }
  return id;
}

/** Describe the administrator's routes in `/openapi.json`. */
export function documentAdminRoutes(registry: OpenAPIRegistry): void {
  const bearer = [{ bearerAuth: [] }];
  const forbidden = { description: 'The caller is not an administrator (code forbidden).' };
  registry.registerPath({
    method: 'get',
    path: '/v1/admin/users',
    summary: 'List the accounts, in the order they registered',
    security: bearer,
    request: { query: userListQuerySchema },
    responses: { 200: { description: 'A page of users' }, 403: forbidden },
  });
  for (const action of ['disable', 'enable'] as const) {
    registry.registerPath({
      method: 'post',
      path: `/v1/admin/users/{id}/${action}`,
      summary:
        action === 'disable'
          ? 'Disable an account: its sessions and API keys stop working at once'
          : 'Enable a disabled account again',
      security: bearer,
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: { description: 'The user' },
        403: forbidden,
        404: { description: 'No such user' },
      },
    });
  }
  for (const method of ['put', 'delete'] as const) {
    registry.registerPath({
      method,
      path: '/v1/admin/users/{id}/admin',
      summary:
        method === 'put'
          ? 'Make an account an administrator'
          : 'Take the administrator role away; the last active administrator keeps it',
      security: bearer,
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: { description: 'The user' },
        403: forbidden,
        404: { description: 'No such user' },
        409: { description: 'The last active administrator (code conflict)' },
      },
    });
  }
  registry.registerPath({
    method: 'get',
    path: '/v1/admin/registration',
    summary: 'Show who may register, and whether an administrator or the environment set it',
    security: bearer,
    responses: { 200: { description: 'The policy' }, 403: forbidden },
  });
  registry.registerPath({
    method: 'put',
    path: '/v1/admin/registration',
    summary: 'Change who may register; it takes effect at once and outlasts restarts',
    security: bearer,
    request: { body: { content: { 'application/json': { schema: registrationBodySchema } } } },
    responses: { 200: { description: 'The new policy' }, 403: forbidden },
  });
  registry.registerPath({
    method: 'delete',
    path: '/v1/admin/registration',
    summary: "Drop the administrator's policy, so that MEM0_REGISTRATION applies again",
    security: bearer,
    responses: { 200: { description: 'The policy now in force' }, 403: forbidden },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/admin/audit',
    summary: 'Read the audit log, newest first, filtered by actor, action and time',
    security: bearer,
    request: { query: auditQuerySchema },
    responses: { 200: { description: 'A page of audit events' }, 403: forbidden },
  });
}

import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Request, RequestHandler, Router } from 'express';
import { z } from 'zod';

import {
  contextNameSchema,
  invalidArgument,
  isoTimestampSchema,
  parseInput,
  sharePermissions,
  teamNameSchema,
  teamRoles,
} from '@memzero/core';
import type { Actor, PostgresAdministration, PostgresTeams } from '@memzero/db/postgres';

import type { RouteKit } from '../app.js';
import { principalOf, requireScope } from '../middleware/authenticate.js';
import { jsonObject } from '../middleware/json-body.js';
import { originOf } from '../origin.js';
import { auditPage, auditQuerySchema, parseQuery } from './admin.js';

const emailSchema = z.string().trim().toLowerCase().email().max(254);

const newTeamSchema = z.strictObject({ name: teamNameSchema });
const teamPatchSchema = z.strictObject({ name: teamNameSchema });
const deleteTeamQuerySchema = z.strictObject({
  deleteMemories: z.enum(['true', 'false']).optional(),
});
const rolePatchSchema = z.strictObject({ role: z.enum(teamRoles) });
const newInviteSchema = z.strictObject({
  email: emailSchema,
  role: z.enum(teamRoles).default('member'),
  expiresAt: isoTimestampSchema.optional(),
});
const acceptInviteSchema = z.strictObject({ token: z.string().trim().min(1).max(200) });
const sharesQuerySchema = z.strictObject({ context: contextNameSchema.optional() });
const newShareSchema = z
  .strictObject({
    context: contextNameSchema,
    user: emailSchema.optional(),
    team: teamNameSchema.optional(),
    permission: z.enum(sharePermissions).default('read'),
  })
  .refine((share) => (share.user === undefined) !== (share.team === undefined), {
    message: 'Give exactly one of user (an email) and team (a team name).',
  });

export interface TeamRouteDependencies {
  teams: PostgresTeams;
  administration: PostgresAdministration;
}

/**
 * Routes of teams, their members and invites, and shares of contexts. The checks of who may do
 * what live in `PostgresTeams`; these handlers parse the request and shape the response.
 */
export function teamRoutes(router: Router, kit: RouteKit, deps: TeamRouteDependencies): void {
  const { teams, administration } = deps;
  const guards = (scope: 'read' | 'write'): RequestHandler[] => [
    kit.limitFailedAuthentication,
    kit.authenticate,
    kit.limitPerPrincipal,
    requireScope(scope),
  ];
  const writeGuards = [...guards('write'), ...kit.jsonBody];
  const actorOf = (request: Request, response: Parameters<RequestHandler>[1]): Actor => ({
    userId: principalOf(response).userId,
    origin: originOf(request),
  });
  const userOf = (response: Parameters<RequestHandler>[1]) => principalOf(response).userId;
  const teamOf = (request: Request) => parseParameter(teamNameSchema, request.params.team, 'team');

  router.get('/v1/teams', ...guards('read'), async (_request, response) => {
    response.json({ items: await teams.teams(userOf(response)), nextCursor: null });
  });

  router.post('/v1/teams', ...writeGuards, async (request, response) => {
    const { name } = parseInput(newTeamSchema, jsonObject(request.body));
    const team = await teams.createTeam(actorOf(request, response), name);
    response.status(201).location(`/v1/teams/${team.name}`).json(team);
  });

  router.get('/v1/teams/:team', ...guards('read'), async (request, response) => {
    response.json(await teams.team(userOf(response), teamOf(request)));
  });

  router.patch('/v1/teams/:team', ...writeGuards, async (request, response) => {
    const { name } = parseInput(teamPatchSchema, jsonObject(request.body));
    response.json(await teams.renameTeam(actorOf(request, response), teamOf(request), name));
  });

  router.delete('/v1/teams/:team', ...guards('write'), async (request, response) => {
    const query = parseQuery(deleteTeamQuerySchema, request.query);
    const result = await teams.deleteTeam(actorOf(request, response), teamOf(request), {
      deleteMemories: query.deleteMemories === 'true',
    });
    response.json(result);
  });

  router.get('/v1/teams/:team/members', ...guards('read'), async (request, response) => {
    const members = await teams.members(userOf(response), teamOf(request));
    response.json({ items: members, nextCursor: null });
  });

  router.patch('/v1/teams/:team/members/:member', ...writeGuards, async (request, response) => {
    const { role } = parseInput(rolePatchSchema, jsonObject(request.body));
    const member = await teams.changeRole(
      actorOf(request, response),
      teamOf(request),
      String(request.params.member),
      role,
    );
    response.json(member);
  });

  router.delete(
    '/v1/teams/:team/members/:member',
    ...guards('write'),
    async (request, response) => {
      await teams.removeMember(
        actorOf(request, response),
        teamOf(request),
        String(request.params.member),
      );
      response.status(204).end();
    },
  );

  router.get('/v1/teams/:team/invites', ...guards('read'), async (request, response) => {
    const invites = await teams.invites(userOf(response), teamOf(request));
    response.json({ items: invites, nextCursor: null });
  });

  router.post('/v1/teams/:team/invites', ...writeGuards, async (request, response) => {
    const input = parseInput(newInviteSchema, jsonObject(request.body));
    const { invite, token } = await teams.invite(
      actorOf(request, response),
      teamOf(request),
      input,
    );
    response
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({ ...invite, token });
  });

  router.delete('/v1/teams/:team/invites/:id', ...guards('write'), async (request, response) => {
    await teams.revokeInvite(
      actorOf(request, response),
      teamOf(request),
      String(request.params.id),
    );
    response.status(204).end();
  });

  router.post('/v1/invites/accept', ...writeGuards, async (request, response) => {
    const { token } = parseInput(acceptInviteSchema, jsonObject(request.body));
    const actor = actorOf(request, response);
    const email = await administration.emailOf(actor.userId);
    response.json(await teams.acceptInvite(actor, email ?? '', token));
  });

  router.get('/v1/teams/:team/audit', ...guards('read'), async (request, response) => {
    const teamId = await teams.ownedTeamId(userOf(response), teamOf(request));
    response.json(await auditPage(administration, request.query, teamId));
  });

  router.get('/v1/shares', ...guards('read'), async (request, response) => {
    const { context } = parseQuery(sharesQuerySchema, request.query);
    response.json({ items: await teams.shares(userOf(response), context), nextCursor: null });
  });

  router.post('/v1/shares', ...writeGuards, async (request, response) => {
    const input = parseInput(newShareSchema, jsonObject(request.body));
    const grantee =
      input.user !== undefined
        ? { type: 'user' as const, email: input.user }
        : { type: 'team' as const, name: input.team! };
    const { share, created, changed } = await teams.share(
      actorOf(request, response),
      input.context,
      grantee,
      input.permission,
    );
    response.status(created ? 201 : 200).json({ ...share, created, changed });
  });

  router.delete('/v1/shares/:id', ...guards('write'), async (request, response) => {
    await teams.revokeShare(actorOf(request, response), String(request.params.id));
    response.status(204).end();
  });
}

/** Parse a path parameter; a malformed one is a 400 that names it. */
function parseParameter<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  name: string,
): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw invalidArgument(
      `The ${name} in the path ${parsed.error.issues[0]?.message ?? 'is not valid'}.`,
    );
  }
  return parsed.data as z.output<T>;
}

/** Describe the team and share routes in `/openapi.json`. */
export function documentTeamRoutes(registry: OpenAPIRegistry): void {
  const json = (schema: z.ZodTypeAny) => ({ content: { 'application/json': { schema } } });
  const body = (schema: z.ZodTypeAny) => ({ body: { required: true, ...json(schema) } });
  const security = [{ bearerAuth: [] }];
  const problem = { description: 'An error as problem+json, with a stable code.' };
  const team = { params: z.object({ team: z.string() }) };
  const errors = { 403: problem, 404: problem };

  const paths: Parameters<OpenAPIRegistry['registerPath']>[0][] = [
    {
      method: 'get',
      path: '/v1/teams',
      summary: 'List the teams you belong to, with your role',
      responses: { 200: { description: 'Your teams.' } },
    },
    {
      method: 'post',
      path: '/v1/teams',
      summary: 'Create a team; you become its owner',
      request: body(newTeamSchema),
      responses: { 201: { description: 'The team.' }, 409: problem },
    },
    {
      method: 'get',
      path: '/v1/teams/{team}',
      summary: 'One of your teams',
      request: team,
      responses: { 200: { description: 'The team.' }, 404: problem },
    },
    {
      method: 'patch',
      path: '/v1/teams/{team}',
      summary: 'Rename a team (owners)',
      request: { ...team, ...body(teamPatchSchema) },
      responses: { 200: { description: 'The team.' }, ...errors, 409: problem },
    },
    {
      method: 'delete',
      path: '/v1/teams/{team}',
      summary:
        'Delete a team with its contexts (owners); refused while they hold memories unless deleteMemories=true',
      request: { ...team, query: deleteTeamQuerySchema },
      responses: { 200: { description: 'How many memories went.' }, ...errors, 409: problem },
    },
    {
      method: 'get',
      path: '/v1/teams/{team}/members',
      summary: 'List the members of a team',
      request: team,
      responses: { 200: { description: 'The members.' }, 404: problem },
    },
    {
      method: 'patch',
      path: '/v1/teams/{team}/members/{member}',
      summary: "Change a member's role (owners; admins between member and admin)",
      request: {
        params: z.object({ team: z.string(), member: z.string() }),
        ...body(rolePatchSchema),
      },
      responses: { 200: { description: 'The member.' }, ...errors, 409: problem },
    },
    {
      method: 'delete',
      path: '/v1/teams/{team}/members/{member}',
      summary: 'Remove a member, or leave when it is you; the last owner stays',
      request: { params: z.object({ team: z.string(), member: z.string() }) },
      responses: { 204: { description: 'Removed.' }, ...errors, 409: problem },
    },
    {
      method: 'get',
      path: '/v1/teams/{team}/invites',
      summary: 'List the invites of a team (owners and admins)',
      request: team,
      responses: { 200: { description: 'The invites, without tokens.' }, ...errors },
    },
    {
      method: 'post',
      path: '/v1/teams/{team}/invites',
      summary: 'Invite an email address; the response holds the token, shown only this once',
      request: { ...team, ...body(newInviteSchema) },
      responses: { 201: { description: 'The invite and `token`.' }, ...errors, 409: problem },
    },
    {
      method: 'delete',
      path: '/v1/teams/{team}/invites/{id}',
      summary: 'Revoke an unused invite',
      request: { params: z.object({ team: z.string(), id: z.string() }) },
      responses: { 204: { description: 'Revoked.' }, ...errors },
    },
    {
      method: 'post',
      path: '/v1/invites/accept',
      summary: 'Join a team with an invite token made for your email',
      request: body(acceptInviteSchema),
      responses: { 200: { description: 'The team you joined.' }, 403: problem },
    },
    {
      method: 'get',
      path: '/v1/teams/{team}/audit',
      summary: "The team's part of the audit log (owners)",
      request: { ...team, query: auditQuerySchema },
      responses: { 200: { description: 'A page of events, newest first.' }, ...errors },
    },
    {
      method: 'get',
      path: '/v1/shares',
      summary: 'List the shares of the contexts you manage',
      request: { query: sharesQuerySchema },
      responses: { 200: { description: 'The shares.' }, 404: problem },
    },
    {
      method: 'post',
      path: '/v1/shares',
      summary: 'Share a context with a user or a team, or change the permission of a share',
      request: body(newShareSchema),
      responses: {
        201: { description: 'The new share.' },
        200: { description: 'The share existed; its permission is now the one given.' },
        ...errors,
      },
    },
    {
      method: 'delete',
      path: '/v1/shares/{id}',
      summary: 'Revoke a share; access through it ends at once',
      request: { params: z.object({ id: z.string() }) },
      responses: { 204: { description: 'Revoked.' }, ...errors },
    },
  ];
  for (const path of paths) {
    registry.registerPath({ ...path, security });
  }
}

import type { ApiClient, AuditQuery, Page, User } from '@memzero/client';
import {
  auditActions,
  type AuditEvent,
  invalidArgument,
  notFound,
  parseTimeInput,
} from '@memzero/core';

import { shortTime, tableLines } from '../format.js';
import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { connectToServer } from '../remote.js';

const registrationPolicies = ['open', 'first-user', 'closed'] as const;

async function allUsers(client: ApiClient): Promise<User[]> {
  const users: User[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listUsers(cursor);
    users.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return users;
}

/** Find a user by id or email among the server's accounts. */
async function findUser(client: ApiClient, account: string): Promise<User> {
  const expected = account.trim().toLowerCase();
  if (expected === '') {
    throw invalidArgument('Name the account by its email or id, as "mem0 admin users" shows them.');
  }
  const users = await allUsers(client);
  const user = users.find(
    (candidate) => candidate.id.toLowerCase() === expected || candidate.email === expected,
  );
  if (user === undefined) {
    throw notFound(`No account has the id or email "${account}". "mem0 admin users" lists them.`);
  }
  return user;
}

/** List the accounts of the selected server (administrators only). */
export async function listUsers(options: { json?: boolean }, io: CommandIO): Promise<number> {
  const { client } = await connectToServer(io.env);
  const users = await allUsers(client);
  if (options.json) {
    writeJson(io.stdout, users);
    return 0;
  }

  const colors = colorsFor(io.stdout, io.env);
  const rows = users.map((user) => [
    user.id,
    user.email ?? '',
    user.name ?? '',
    user.isAdmin ? 'admin' : 'member',
    shortTime(user.createdAt),
    user.disabledAt ? `disabled ${shortTime(user.disabledAt)}` : 'active',
  ]);
  const [header, ...lines] = tableLines(
    ['ID', 'EMAIL', 'NAME', 'ROLE', 'REGISTERED', 'STATUS'],
    rows,
  );
  writeLine(io.stdout, colors.dim(header!));
  for (const line of lines) {
    writeLine(io.stdout, line);
  }
  return 0;
}

/** Disable or enable an account, named by id or email (administrators only). */
export async function setDisabled(
  account: string,
  disable: boolean,
  io: CommandIO,
): Promise<number> {
  const { client, server } = await connectToServer(io.env);
  const user = await findUser(client, account);
  const changed = await client.setUserDisabled(user.id, disable);
  writeLine(
    io.stdout,
    disable
      ? `Disabled ${changed.email ?? changed.id} on ${server}: their sessions and API keys stop working now.`
      : `Enabled ${changed.email ?? changed.id} on ${server}: their sessions and API keys work again.`,
  );
  return 0;
}

/** Make an account an administrator, or take the role away (administrators only). */
export async function setAdmin(account: string, admin: boolean, io: CommandIO): Promise<number> {
  const { client, server } = await connectToServer(io.env);
  const user = await findUser(client, account);
  const changed = await client.setUserAdmin(user.id, admin);
  writeLine(
    io.stdout,
    admin
      ? `${changed.email ?? changed.id} is an administrator of ${server}.`
      : `${changed.email ?? changed.id} is no longer an administrator of ${server}.`,
  );
  return 0;
}

/** Show who may register, or with a policy, change it (administrators only). */
export async function registration(
  policy: string | undefined,
  options: { json?: boolean },
  io: CommandIO,
): Promise<number> {
  const { client, server } = await connectToServer(io.env);
  let setting;
  if (policy === undefined) {
    setting = await client.registration();
  } else if (policy.trim().toLowerCase() === 'reset') {
    setting = await client.resetRegistration();
  } else {
    const requested = policy.trim().toLowerCase();
    if (!(registrationPolicies as readonly string[]).includes(requested)) {
      throw invalidArgument(
        `Unknown registration policy "${policy}". Choose one of: ${registrationPolicies.join(', ')}, or reset to follow MEM0_REGISTRATION again.`,
      );
    }
    setting = await client.setRegistration(requested as (typeof registrationPolicies)[number]);
  }

  if (options.json) {
    writeJson(io.stdout, setting);
    return 0;
  }
  const meaning = {
    open: 'anyone may register',
    'first-user': 'only the first account could register',
    closed: 'nobody may register',
  }[setting.policy];
  const source =
    setting.source === 'administrator' ? 'set by an administrator' : 'from MEM0_REGISTRATION';
  writeLine(io.stdout, `Registration on ${server}: ${setting.policy} (${meaning}; ${source}).`);
  return 0;
}

export interface AuditOptions {
  actor?: string;
  action?: string;
  since?: string;
  until?: string;
  limit?: number;
  json?: boolean;
}

/** The source of an audit command's events, and the names of their actors. */
export interface AuditSource {
  readPage(query: AuditQuery): Promise<Page<AuditEvent>>;
  /** Map the user ids of `events` to what the ACTOR column shows, such as emails. */
  actorNames(events: AuditEvent[]): Promise<Map<string, string>>;
  /** The scope that "No audit events on ... match." names: the server URL, or a team on it. */
  scope: string;
}

/** Print the audit log of the selected server, newest first (administrators only). */
export async function showAudit(options: AuditOptions, io: CommandIO): Promise<number> {
  return printAuditLog(options, io, async () => {
    const { client, server } = await connectToServer(io.env);
    return {
      readPage: (query) => client.audit(query),
      actorNames: async () =>
        new Map((await allUsers(client)).map((user) => [user.id, user.email ?? user.id])),
      scope: server,
    };
  });
}

/**
 * Check the filters of an audit command, then connect and print the matching events, newest
 * first, as a table or with `--json` as an array.
 */
export async function printAuditLog(
  options: AuditOptions,
  io: CommandIO,
  connect: () => Promise<AuditSource>,
): Promise<number> {
  if (
    options.action !== undefined &&
    !(auditActions as readonly string[]).includes(options.action)
  ) {
    throw invalidArgument(
      `Unknown audit action "${options.action}". Choose one of: ${auditActions.join(', ')}.`,
    );
  }
  const since = options.since === undefined ? undefined : parseTimeInput(options.since, '--since');
  const until = options.until === undefined ? undefined : parseTimeInput(options.until, '--until');
  const limit = options.limit ?? 50;

  const source = await connect();
  const events: AuditEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await source.readPage({
      actor: options.actor,
      action: options.action,
      since,
      until,
      limit: Math.min(limit - events.length, 500),
      cursor,
    });
    events.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && events.length < limit);
  if (cursor !== undefined) {
    writeLine(
      io.stderr,
      `Showing the newest ${events.length} matching events; there are more. Raise --limit, or narrow with --until.`,
    );
  }

  if (options.json) {
    writeJson(io.stdout, events);
    return 0;
  }
  if (events.length === 0) {
    writeLine(io.stdout, `No audit events on ${source.scope} match.`);
    return 0;
  }

  const users = await source.actorNames(events);
  const colors = colorsFor(io.stdout, io.env);
  const rows = events.map((event) => [
    event.occurredAt.replace(/\.\d{3}Z$/, 'Z'),
    event.action,
    event.actorId === null ? '-' : (users.get(event.actorId) ?? event.actorId),
    event.targetType === null ? '-' : `${event.targetType} ${event.targetId ?? ''}`.trim(),
    event.ip ?? '-',
    Object.keys(event.details).length === 0 ? '' : JSON.stringify(event.details),
  ]);
  const [header, ...lines] = tableLines(
    ['TIME', 'ACTION', 'ACTOR', 'TARGET', 'IP', 'DETAILS'],
    rows,
  );
  writeLine(io.stdout, colors.dim(header!));
  for (const line of lines) {
    writeLine(io.stdout, line);
  }
  return 0;
}

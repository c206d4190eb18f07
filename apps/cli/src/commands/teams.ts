import type { ApiClient } from '@memzero/client';
import {
  invalidArgument,
  isMem0Error,
  isValidId,
  Mem0Error,
  type Team,
  type TeamInvite,
  type TeamRole,
  teamNameSchema,
  teamRoles,
} from '@memzero/core';

import { shortTime, writeTable } from '../format.js';
import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { parseExpiry } from '../options.js';
import { connectForTeams } from '../remote.js';
import { type AuditOptions, printAuditLog } from './admin.js';

/** Check a team name as the server does and return it in its stored form (lower case). */
export function parseTeamName(value: string, what = 'The team name'): string {
  const parsed = teamNameSchema.safeParse(value);
  if (!parsed.success) {
    throw invalidArgument(
      `${what} "${value}" ${parsed.error.issues[0]?.message ?? 'is not valid'}. Use a name such as "acme" or "platform-team".`,
    );
  }
  return parsed.data;
}

function parseRole(value: string, option = 'The role'): TeamRole {
  const role = value.trim().toLowerCase();
  if (!(teamRoles as readonly string[]).includes(role)) {
    throw invalidArgument(
      `${option} "${value}" is not a team role. Choose one of: ${teamRoles.join(', ')}.`,
    );
  }
  return role as TeamRole;
}

/** Check an email address loosely (the server checks it fully) and return it in lower case. */
export function parseEmail(value: string): string {
  const email = value.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) {
    throw invalidArgument(`"${value}" is not an email address. Give one such as ana@example.com.`);
  }
  return email;
}

function parseMember(value: string): string {
  const member = value.trim();
  if (member === '') {
    throw invalidArgument(
      'Name the member by email or user id, as "mem0 teams members TEAM" shows them.',
    );
  }
  return member;
}

/** List the teams of the account with its role in each. */
/** Reject a word that is not a `mem0 teams` subcommand, naming the closest one. */
export function rejectUnknownSubcommand(word: string, names: string[]): never {
  const closest = names
    .map((name) => ({ name, distance: editDistance(word, name) }))
    .sort((a, b) => a.distance - b.distance)[0];
  const hint =
    closest !== undefined && closest.distance <= 2 ? ` Did you mean "${closest.name}"?` : '';
  throw invalidArgument(
    `"${word}" is not a command of mem0 teams.${hint} Run "mem0 teams --help" to see them.`,
  );
}

/** Return the Levenshtein distance between two words: the fewest edits that turn one into the other. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export async function listTeams(options: { json?: boolean }, io: CommandIO): Promise<number> {
  const { client, server } = await connectForTeams(io.env);
  const teams = await client.listTeams();

  if (options.json) {
    writeJson(io.stdout, teams);
    return 0;
  }
  if (teams.length === 0) {
    writeLine(
      io.stdout,
      `You belong to no team on ${server}. Create one with "mem0 teams create NAME", or join one with "mem0 teams join TOKEN".`,
    );
    return 0;
  }
  writeTable(
    io,
    ['NAME', 'ROLE', 'MEMBERS', 'CREATED'],
    teams.map((team) => [
      team.name,
      team.role,
      String(team.memberCount),
      shortTime(team.createdAt),
    ]),
  );
  return 0;
}

/** Create a team with the account as its owner. */
export async function createTeam(
  name: string,
  options: { json?: boolean },
  io: CommandIO,
): Promise<number> {
  const { client, server } = await connectForTeams(io.env);
  const team = await client.createTeam(parseTeamName(name));

  if (options.json) {
    writeJson(io.stdout, team);
    return 0;
  }
  const colors = colorsFor(io.stdout, io.env);
  writeLine(
    io.stdout,
    `Created team ${colors.green(team.name)} on ${server}; you are its owner. Its contexts are named ${team.name}/CONTEXT, as in: mem0 add --context ${team.name}/notes TEXT`,
  );
  return 0;
}

/** Rename a team (owners only). */
export async function renameTeam(
  name: string,
  newName: string,
  options: { json?: boolean },
  io: CommandIO,
): Promise<number> {
  const { client } = await connectForTeams(io.env);
  const from = parseTeamName(name);
  const team = await client.renameTeam(from, parseTeamName(newName, 'The new team name'));

  if (options.json) {
    writeJson(io.stdout, team);
    return 0;
  }
  const colors = colorsFor(io.stdout, io.env);
  writeLine(
    io.stdout,
    `Renamed team ${from} to ${colors.green(team.name)}. Its contexts are now named ${team.name}/CONTEXT.`,
  );
  return 0;
}

export interface DeleteTeamOptions {
  deleteMemories?: boolean;
  yes?: boolean;
  json?: boolean;
}

/**
 * Delete a team with its contexts, invites and shares (owners only). As `mem0 delete` does, it
 * requests confirmation when stdin is a terminal, unless `--yes`. While the team's contexts
 * hold memories, the deletion is rejected unless `--delete-memories`.
 */
export async function deleteTeam(
  name: string,
  options: DeleteTeamOptions,
  io: CommandIO,
): Promise<number> {
  const { client, server } = await connectForTeams(io.env);
  const team = parseTeamName(name);
  const deleteMemories = options.deleteMemories === true;

  if (!options.yes && io.stdin.isTTY === true) {
    const question = await deletionQuestion(client, team, deleteMemories);
    const answer = await confirm(question, io);
    if (answer !== 'yes') {
      return answer === 'no' ? 0 : 130;
    }
  }

  let result: { deletedMemories: number };
  try {
    result = await client.deleteTeam(team, { deleteMemories });
  } catch (error) {
    if (isMem0Error(error) && error.code === 'conflict' && !deleteMemories) {
      throw memoriesRemainError(team, error);
    }
    throw error;
  }

  if (options.json) {
    writeJson(io.stdout, result);
    return 0;
  }
  writeLine(
    io.stdout,
    `Deleted team ${team} from ${server}, with its contexts (${plural(result.deletedMemories, 'memory', 'memories')}), invites and shares.`,
  );
  return 0;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function memoriesRemainError(team: string, cause?: unknown): Mem0Error {
  return new Mem0Error(
    'conflict',
    `Team ${team} was not deleted because its contexts still hold memories. Move or delete them first, or delete them with the team: mem0 teams delete ${team} --delete-memories`,
    { cause },
  );
}

/**
 * Build the confirmation question of a team deletion, with what would be lost. Rejects before
 * asking when the deletion would fail because memories remain and `deleteMemories` is not set.
 */
async function deletionQuestion(
  client: ApiClient,
  team: string,
  deleteMemories: boolean,
): Promise<string> {
  const found = await client.team(team);
  const { RemoteStore } = await import('@memzero/client');
  const contexts = (await new RemoteStore(client).contexts()).filter(
    (context) => context.owner.type === 'team' && context.owner.name === team,
  );
  const memories = contexts.reduce((sum, context) => sum + context.memoryCount, 0);
  if (memories > 0 && !deleteMemories) {
    throw memoriesRemainError(team);
  }

  // Kept short, so that the question fits on one line of an 80-column terminal.
  const members = plural(found.memberCount, 'member', 'members');
  if (contexts.length === 0) {
    return `Delete team ${team} (${members})?`;
  }
  return `Delete team ${team} (${members}, ${plural(contexts.length, 'context', 'contexts')} with ${plural(memories, 'memory', 'memories')})?`;
}

/** Ask a yes-or-no question on the terminal, as `mem0 delete` does; no is the default. */
async function confirm(message: string, io: CommandIO): Promise<'yes' | 'no' | 'cancelled'> {
  const { default: ask } = await import('@inquirer/confirm');
  // The question goes to stderr when stdout is redirected, so that it stays out of the output.
  const output = io.stdout.isTTY === true ? io.stdout : io.stderr;
  try {
    if (await ask({ message, default: false }, { input: io.stdin, output })) {
      return 'yes';
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') {
      writeLine(io.stderr, 'Cancelled. Nothing was deleted.');
      return 'cancelled';
    }
    throw error;
  }
  writeLine(io.stdout, 'Nothing was deleted.');
  return 'no';
}

/** List the members of a team, owners first. */
export async function listMembers(
  name: string,
  options: { json?: boolean },
  io: CommandIO,
): Promise<number> {
  const { client } = await connectForTeams(io.env);
  const members = await client.teamMembers(parseTeamName(name));

  if (options.json) {
    writeJson(io.stdout, members);
    return 0;
  }
  writeTable(
    io,
    ['EMAIL', 'NAME', 'ROLE', 'JOINED', 'USER ID'],
    members.map((member) => [
      member.email ?? '-',
      member.name ?? '',
      member.role,
      shortTime(member.joinedAt),
      member.userId,
    ]),
  );
  return 0;
}

export interface InviteOptions {
  role?: string;
  expires?: string;
  json?: boolean;
}

/** Invite an email address to a team and print the token, the only time it can be shown. */
export async function invite(
  name: string,
  emailArgument: string,
  options: InviteOptions,
  io: CommandIO,
): Promise<number> {
  const { client, server } = await connectForTeams(io.env);
  const team = parseTeamName(name);
  const email = parseEmail(emailArgument);
  const role = parseRole(options.role ?? 'member', '--role');
  const expiresAt = options.expires === undefined ? undefined : parseExpiry(options.expires);
  const created = await client.createInvite(team, { email, role, expiresAt });

  if (options.json) {
    writeJson(io.stdout, created);
    return 0;
  }
  const colors = colorsFor(io.stdout, io.env);
  writeLine(
    io.stdout,
    `Invited ${created.email} to team ${team} as ${created.role} (invite ${colors.yellow(created.id)}, expires ${shortTime(created.expiresAt)}).`,
  );
  writeLine(
    io.stdout,
    'Send them this token; the server keeps only a hash and cannot show it again:',
  );
  writeLine(io.stdout);
  writeLine(io.stdout, created.token);
  writeLine(io.stdout);
  writeLine(
    io.stdout,
    `They join with "mem0 register ${server} --invite TOKEN", or with "mem0 teams join TOKEN" when they already have an account on ${server}.`,
  );
  return 0;
}

function inviteStatus(invite: TeamInvite): string {
  if (invite.acceptedAt) {
    return `accepted ${shortTime(invite.acceptedAt)}`;
  }
  if (invite.revokedAt) {
    return `revoked ${shortTime(invite.revokedAt)}`;
  }
  return Date.parse(invite.expiresAt) <= Date.now() ? 'expired' : 'pending';
}

/** List the invites of a team, newest first (owners and admins). */
export async function listInvites(
  name: string,
  options: { json?: boolean },
  io: CommandIO,
): Promise<number> {
  const { client } = await connectForTeams(io.env);
  const team = parseTeamName(name);
  const invites = await client.teamInvites(team);

  if (options.json) {
    writeJson(io.stdout, invites);
    return 0;
  }
  if (invites.length === 0) {
    writeLine(
      io.stdout,
      `Team ${team} has no invites. Invite someone with: mem0 teams invite ${team} EMAIL`,
    );
    return 0;
  }
  writeTable(
    io,
    ['ID', 'EMAIL', 'ROLE', 'INVITED BY', 'CREATED', 'EXPIRES', 'STATUS'],
    invites.map((item) => [
      item.id,
      item.email,
      item.role,
      item.invitedBy,
      shortTime(item.createdAt),
      shortTime(item.expiresAt),
      inviteStatus(item),
    ]),
  );
  return 0;
}

/** Revoke an invite that was not used yet; its token stops working. */
export async function revokeInvite(name: string, id: string, io: CommandIO): Promise<number> {
  const { client } = await connectForTeams(io.env);
  const team = parseTeamName(name);
  const inviteId = id.trim();
  if (!isValidId(inviteId)) {
    throw invalidArgument(
      `"${id}" is not an invite id. "mem0 teams invites ${team}" lists the invites with their ids.`,
    );
  }
  await client.revokeInvite(team, inviteId);
  writeLine(
    io.stdout,
    `Revoked invite ${inviteId.toUpperCase()} of team ${team}; its token no longer works.`,
  );
  return 0;
}

/** Change the role of a member (owners; admins between member and admin). */
export async function changeRole(
  name: string,
  memberArgument: string,
  roleArgument: string,
  options: { json?: boolean },
  io: CommandIO,
): Promise<number> {
  const { client } = await connectForTeams(io.env);
  const team = parseTeamName(name);
  const member = await client.changeMemberRole(
    team,
    parseMember(memberArgument),
    parseRole(roleArgument),
  );

  if (options.json) {
    writeJson(io.stdout, member);
    return 0;
  }
  writeLine(io.stdout, `${member.email ?? member.userId} is now ${member.role} of team ${team}.`);
  return 0;
}

/** Remove a member from a team; they lose access to its contexts at once. */
export async function removeMember(
  name: string,
  memberArgument: string,
  io: CommandIO,
): Promise<number> {
  const { client } = await connectForTeams(io.env);
  const team = parseTeamName(name);
  const member = parseMember(memberArgument);
  await client.removeMember(team, member);
  writeLine(io.stdout, `Removed ${member} from team ${team}; they no longer see its contexts.`);
  return 0;
}

/** Leave a team; the last owner cannot. */
export async function leaveTeam(name: string, io: CommandIO): Promise<number> {
  const { client } = await connectForTeams(io.env);
  const team = parseTeamName(name);
  const me = await client.me();
  await client.removeMember(team, me.id);
  writeLine(
    io.stdout,
    `You left team ${team}. Its contexts stay visible to you only where they are shared with you.`,
  );
  return 0;
}

/** Join a team with an invite token made for the account's email. */
export async function joinTeam(
  token: string,
  options: { json?: boolean },
  io: CommandIO,
): Promise<number> {
  const inviteToken = token.trim();
  if (inviteToken === '') {
    throw invalidArgument(
      'Give the invite token that a team admin sent you, as in: mem0 teams join TOKEN',
    );
  }
  const { client } = await connectForTeams(io.env);
  const team = await client.acceptInvite(inviteToken);

  if (options.json) {
    writeJson(io.stdout, team);
    return 0;
  }
  writeLine(io.stdout, joinedMessage(team, colorsFor(io.stdout, io.env)));
  return 0;
}

/** Build the line that names the team an invite joined, for `teams join`, `register` and `login`. */
export function joinedMessage(team: Team, colors: ReturnType<typeof colorsFor>): string {
  return `Joined team ${colors.green(team.name)} as ${team.role} (${plural(team.memberCount, 'member', 'members')}). Its contexts are named ${team.name}/CONTEXT; "mem0 contexts" lists them.`;
}

/** Print a team's audit log, newest first (the team's owners only). */
export async function teamAudit(
  name: string,
  options: AuditOptions,
  io: CommandIO,
): Promise<number> {
  const team = parseTeamName(name);
  return printAuditLog(options, io, async () => {
    const { client, server } = await connectForTeams(io.env);
    return {
      readPage: (query) => client.teamAudit(team, query),
      actorNames: async (events) => {
        const names = new Map<string, string>();
        for (const member of await client.teamMembers(team)) {
          names.set(member.userId, member.email ?? member.userId);
        }
        const unknown = events.some((event) => event.actorId !== null && !names.has(event.actorId));
        if (unknown) {
          // Former members are no longer listed, but the events of their removal name them.
          const removals = await client.teamAudit(team, {
            action: 'team.member_remove',
            limit: 500,
          });
          for (const removal of removals.items) {
            const email = removal.details.email;
            if (
              removal.targetId !== null &&
              typeof email === 'string' &&
              !names.has(removal.targetId)
            ) {
              names.set(removal.targetId, email);
            }
          }
        }
        return names;
      },
      scope: `${server} for team ${team}`,
    };
  });
}

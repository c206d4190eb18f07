import type { NewShareInput } from '@memzero/client';
import { contextNameSchema, invalidArgument, isValidId, type Share } from '@memzero/core';

import { shortTime, writeTable } from '../format.js';
import { colorsFor, type CommandIO, writeJson, writeLine } from '../io.js';
import { connectForTeams } from '../remote.js';
import { parseEmail, parseTeamName } from './teams.js';

export interface ShareOptions {
  read?: boolean;
  write?: boolean;
  json?: boolean;
}

function parseContext(value: string): string {
  const parsed = contextNameSchema.safeParse(value);
  if (!parsed.success) {
    throw invalidArgument(
      `The context "${value}" ${parsed.error.issues[0]?.message ?? 'is not valid'}. "mem0 contexts" lists your contexts.`,
    );
  }
  return parsed.data;
}

/** Format the grantee of a share for a table cell or a message: an email, or `team NAME`. */
function granteeLabel(grantee: Share['grantee']): string {
  return grantee.type === 'team' ? `team ${grantee.name}` : grantee.name;
}

/**
 * Share a context with a user (an argument with "@") or a team, read-only unless `--write`.
 * Sharing again with the same grantee changes the permission of the existing share.
 */
export async function addShare(
  contextArgument: string,
  granteeArgument: string,
  options: ShareOptions,
  io: CommandIO,
): Promise<number> {
  const { client } = await connectForTeams(io.env);
  const context = parseContext(contextArgument);
  const input: NewShareInput = {
    context,
    permission: options.write ? 'write' : 'read',
  };
  if (granteeArgument.includes('@')) {
    input.user = parseEmail(granteeArgument);
  } else {
    input.team = parseTeamName(granteeArgument);
  }
  const share = await client.share(input);

  if (options.json) {
    writeJson(io.stdout, share);
    return 0;
  }
  const colors = colorsFor(io.stdout, io.env);
  const grantee = granteeLabel(share.grantee);
  if (!share.created) {
    const outcome =
      share.changed !== false
        ? `the permission is now ${share.permission}`
        : `with permission ${share.permission}, so nothing changed`;
    writeLine(
      io.stdout,
      `${share.context} was already shared with ${grantee} (share ${colors.yellow(share.id)}); ${outcome}.`,
    );
    return 0;
  }
  // The grantee names a context of another user with the owner's email in front.
  const granteeContextName = share.context.includes('/')
    ? share.context
    : `${(await client.me()).email ?? 'YOUR_EMAIL'}/${share.context}`;
  writeLine(
    io.stdout,
    `Shared ${share.context} with ${grantee}, ${share.permission === 'write' ? 'to read and change' : 'read-only'} (share ${colors.yellow(share.id)}). They name it ${colors.green(granteeContextName)}, as in: mem0 search --context ${granteeContextName} WORDS`,
  );
  return 0;
}

/** List the shares of the contexts the account manages, or of one context. */
export async function listShares(
  options: { context?: string; json?: boolean },
  io: CommandIO,
): Promise<number> {
  const { client, server } = await connectForTeams(io.env);
  const context = options.context === undefined ? undefined : parseContext(options.context);
  const shares = await client.listShares(context);

  if (options.json) {
    writeJson(io.stdout, shares);
    return 0;
  }
  if (shares.length === 0) {
    writeLine(
      io.stdout,
      context === undefined
        ? `None of the contexts you manage on ${server} is shared. Share one with: mem0 share add CONTEXT EMAIL_OR_TEAM`
        : `The context ${context} is not shared. Share it with: mem0 share add ${context} EMAIL_OR_TEAM`,
    );
    return 0;
  }
  writeTable(
    io,
    ['ID', 'CONTEXT', 'GRANTEE', 'PERMISSION', 'SHARED BY', 'CREATED'],
    shares.map((share) => [
      share.id,
      share.context,
      granteeLabel(share.grantee),
      share.permission,
      share.createdBy,
      shortTime(share.createdAt),
    ]),
  );
  return 0;
}

/** Revoke a share by its id; access through it ends at once. */
export async function revokeShare(id: string, io: CommandIO): Promise<number> {
  const { client } = await connectForTeams(io.env);
  const shareId = id.trim();
  if (!isValidId(shareId)) {
    throw invalidArgument(
      `"${id}" is not a share id. "mem0 share list" lists the shares with their ids.`,
    );
  }
  await client.revokeShare(shareId);
  writeLine(io.stdout, `Revoked share ${shareId.toUpperCase()}; access through it ended.`);
  return 0;
}

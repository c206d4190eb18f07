import { parseContextName } from '@memzero/core';

import { accessibleContexts } from './sql.js';

import type { Pool, PoolClient } from 'pg';

/** A query runner: the pool or a client in a transaction. */
type Queryable = Pick<Pool, 'query'> | PoolClient;

/** A context the user can reach, with its strongest access level (see `accessLevel`). */
export interface ReachableContext {
  id: string;
  level: number;
  /** The team that owns the context, or null for a user's context. */
  team_id: string | null;
  owner_id: string | null;
}

/**
 * Find a context by the name a user writes (`notes`, `team/notes`, `owner@example.com/notes`)
 * among the contexts that user can reach. Undefined when it does not exist or is not visible,
 * which callers report alike, so that no caller learns of a context it cannot see.
 */
export async function findContext(
  db: Queryable,
  userId: string,
  name: string,
): Promise<ReachableContext | undefined> {
  const reference = parseContextName(name);
  const owner = reference.owner;
  const scope =
    owner === undefined
      ? 'c.owner_id = $1'
      : owner.kind === 'team'
        ? 'c.team_id = (SELECT t.id FROM teams t WHERE t.name = $3)'
        : 'c.owner_id = (SELECT u.id FROM users u WHERE u.email = $3)';
  // A named statement: each connection plans it once and reuses the plan, which matters
  // because planning the access subquery costs more than running it.
  const { rows } = await db.query<ReachableContext>({
    name: `mem0_find_context_${owner?.kind ?? 'own'}`,
    text: `SELECT c.id, c.team_id, c.owner_id, max(a.level) AS level
      FROM contexts c JOIN (${accessibleContexts('$1')}) a ON a.context_id = c.id
      WHERE ${scope} AND c.name = $2
      GROUP BY c.id`,
    values: owner === undefined ? [userId, reference.name] : [userId, reference.name, owner.name],
  });
  return rows[0];
}

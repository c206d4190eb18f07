import { invalidArgument, type MemoryFilter } from '@memzero/core';

/** Collects query parameters and hands out their `$n` placeholders in order. */
export class Parameters {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Format a timestamptz column as ISO 8601 text in UTC with milliseconds, whatever the session zone. */
export function iso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/**
 * Access levels as numbers, so that the strongest of several grants is their maximum: a context
 * reached through a read share and through a team is writable.
 */
export const accessLevel = { read: 1, write: 2, manage: 3 } as const;

/**
 * Return a subquery of the contexts a user can reach, one row per grant: `context_id` and `level`
 * (see `accessLevel`). Its own contexts (manage), its teams' contexts (manage for owners and
 * admins, write for members), and the contexts shared with it or with one of its teams. `user`
 * is the placeholder of the user id. This is the one definition of access: every query
 * of a memory, a revision or a context filters by it.
 */
export function accessibleContexts(user: string): string {
  return `SELECT c.id AS context_id, ${accessLevel.manage} AS level FROM contexts c WHERE c.owner_id = ${user}
    UNION ALL
    SELECT c.id, CASE WHEN tm.role = 'member' THEN ${accessLevel.write} ELSE ${accessLevel.manage} END
    FROM contexts c JOIN team_members tm ON tm.team_id = c.team_id WHERE tm.user_id = ${user}
    UNION ALL
    SELECT s.context_id, CASE WHEN s.permission = 'write' THEN ${accessLevel.write} ELSE ${accessLevel.read} END
    FROM shares s WHERE s.user_id = ${user}
    UNION ALL
    SELECT s.context_id, CASE WHEN s.permission = 'write' THEN ${accessLevel.write} ELSE ${accessLevel.read} END
    FROM shares s JOIN team_members tm ON tm.team_id = s.team_id WHERE tm.user_id = ${user}`;
}

/** Return a condition that holds when `column`, a context id, is one the user can read. */
export function readableContext(column: string, user: string): string {
  return `${column} IN (SELECT a.context_id FROM (${accessibleContexts(user)}) a)`;
}

/** Return the user's strongest access level to the context `column`, or null when it has none. */
export function contextLevel(column: string, user: string): string {
  return `(SELECT max(a.level) FROM (${accessibleContexts(user)}) a WHERE a.context_id = ${column})`;
}

/**
 * Return the name of context `c` as the user writes it: `name` for its own, `team/name` for a team's,
 * `owner@example.com/name` for another user's context shared with it.
 */
export function contextLabel(user: string): string {
  return `CASE WHEN c.owner_id = ${user} THEN c.name
    WHEN c.team_id IS NOT NULL THEN (SELECT t.name FROM teams t WHERE t.id = c.team_id) || '/' || c.name
    ELSE (SELECT coalesce(u.email, u.id) FROM users u WHERE u.id = c.owner_id) || '/' || c.name END`;
}

/** Columns selected for a memory; `m` is memories, `c` its context, `user` the reader's placeholder. */
export function memoryColumns(user: string): string {
  return `m.seq, m.id, m.content, ${contextLabel(user)} AS context, m.metadata, m.source,
  m.author_id, ${iso('m.created_at')} AS created_at, ${iso('m.updated_at')} AS updated_at,
  ${iso('m.expires_at')} AS expires_at, m.version,
  coalesce((SELECT json_agg(t.tag ORDER BY t.tag) FROM memory_tags t WHERE t.memory_id = m.id), '[]'::json) AS tags`;
}

/**
 * SQL conditions for the filters shared by list, search and export, joined with AND. The access
 * and expiry conditions are always present, so no query can return a memory of a context the
 * user cannot read, or an expired one. `user` is the placeholder of the user id; `contextId` is
 * the resolved id of `filter.context`.
 */
export function filterConditions(
  params: Parameters,
  user: string,
  filter: MemoryFilter,
  contextId: string | undefined,
  now: string,
): string {
  const nowParam = params.add(now);
  const clauses = [
    readableContext('m.context_id', user),
    `(m.expires_at IS NULL OR m.expires_at > ${nowParam}::timestamptz)`,
  ];

  if (contextId !== undefined) {
    clauses.push(`m.context_id = ${params.add(contextId)}`);
  }

  for (const tag of filter.tags ?? []) {
    clauses.push(
      `EXISTS (SELECT 1 FROM memory_tags t WHERE t.memory_id = m.id AND t.tag = ${params.add(tag)})`,
    );
  }

  for (const [key, value] of Object.entries(filter.metadata ?? {})) {
    // The SQLite store cannot express these keys in a JSON path; both stores reject them alike.
    if (/["\\]/.test(key)) {
      throw invalidArgument(
        `The metadata filter key "${key}" contains a quote or backslash, which filters do not support.`,
      );
    }
    const field = `m.metadata -> ${params.add(key)}`;

    if (value === null) {
      clauses.push(`jsonb_typeof(${field}) = 'null'`);
    } else if (typeof value === 'boolean') {
      clauses.push(`${field} = '${value ? 'true' : 'false'}'::jsonb`);
    } else if (typeof value === 'number') {
      clauses.push(
        `jsonb_typeof(${field}) = 'number' AND (${field})::numeric = ${params.add(value)}::numeric`,
      );
    } else {
      clauses.push(
        `jsonb_typeof(${field}) = 'string' AND ${field} #>> '{}' = ${params.add(value)}`,
      );
    }
  }

  if (filter.createdAfter !== undefined) {
    clauses.push(`m.created_at >= ${params.add(filter.createdAfter)}::timestamptz`);
  }
  if (filter.createdBefore !== undefined) {
    clauses.push(`m.created_at < ${params.add(filter.createdBefore)}::timestamptz`);
  }

  return clauses.join(' AND ');
}

/**
 * Write the words of a memory as a tsvector literal: each word with its 1-based positions, so
 * the index contains exactly the words the core tokenizer produced (the same ones SQLite indexes)
 * and BM25 can count how often each occurs. NOTE: PostgreSQL keeps at most 256 positions of a
 * word and no position above 16383, so in very long texts a frequent word counts less often.
 */
export function tsvectorLiteral(words: string): string {
  const positions = new Map<string, number[]>();
  let position = 0;
  for (const text of words.split(' ')) {
    if (text === '') {
      continue;
    }
    const word = lexeme(text);
    position = Math.min(position + 1, 16_383);
    const list = positions.get(word);
    if (list === undefined) {
      positions.set(word, [position]);
    } else if (list.at(-1) !== position) {
      list.push(position);
    }
  }

  const parts: string[] = [];
  for (const [word, list] of positions) {
    parts.push(`${quoteLexeme(word)}:${list.join(',')}`);
  }
  return parts.join(' ');
}

/** Count the words of a memory's search text: its length for BM25. */
export function wordCount(words: string): number {
  let count = 0;
  for (const word of words.split(' ')) {
    if (word !== '') {
      count++;
    }
  }
  return count;
}

/** The maximum length of a PostgreSQL lexeme, in UTF-8 bytes. */
export const maxLexemeBytes = 2_047;

/**
 * Return `word` as PostgreSQL can index it: cut to its longest prefix of whole characters that
 * fits `maxLexemeBytes`. Stored words and query words are cut alike, so a long URL or token
 * still matches itself. Two long words that share that whole prefix match each other.
 */
export function lexeme(word: string): string {
  if (word.length * 3 <= maxLexemeBytes || Buffer.byteLength(word) <= maxLexemeBytes) {
    return word;
  }
  let bytes = 0;
  let end = 0;
  for (const character of word) {
    const size = Buffer.byteLength(character);
    if (bytes + size > maxLexemeBytes) {
      break;
    }
    bytes += size;
    end += character.length;
  }
  return word.slice(0, end);
}

/** Quote a word as a lexeme of a tsvector or tsquery literal, cut as `lexeme` does. */
export function quoteLexeme(word: string): string {
  return `'${lexeme(word).replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

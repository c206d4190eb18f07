import type { Pool, PoolClient } from 'pg';

import {
  type AddResult,
  buildSnippet,
  type ContextOwner,
  type ContextPermission,
  type ContextSummary,
  contentHash,
  decodeCursor,
  encodeCursor,
  type ImportOutcome,
  type ImportRecord,
  type ListRequest,
  Mem0Error,
  type Memory,
  type MemoryFilter,
  type MemoryPatch,
  type MemoryStore,
  type NewMemory,
  newId,
  notFound,
  type Page,
  parseContextName,
  parseQuery,
  type Revision,
  type RevisionOperation,
  type SearchHit,
  type SearchRequest,
  searchText,
} from '@memzero/core';

import { nextSearchCursor, searchOffset } from '../search/cursor.js';
import { findContext } from './access.js';
import { isRetryable, translatePostgresError } from './errors.js';
import { planPostgresSearch, type PostgresSearchPlan } from './search-plan.js';
import type { SearchStatistics } from './statistics.js';
import {
  accessibleContexts,
  accessLevel,
  contextLabel,
  contextLevel,
  filterConditions,
  iso,
  memoryColumns,
  Parameters,
  readableContext,
  quoteLexeme,
  tsvectorLiteral,
  wordCount,
} from './sql.js';

/** A query runner: the pool, or one client inside a transaction. */
type Queryable = Pick<Pool, 'query'> | PoolClient;

interface MemoryRow {
  seq: number;
  id: string;
  content: string;
  context: string;
  metadata: Memory['metadata'];
  source: Memory['source'];
  author_id: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  version: number;
  tags: string[];
  search_text?: string;
  /** The reader's access level to the memory's context (see `accessLevel`). */
  level?: number;
}

/** A context the user can reach, with its strongest access level. */
interface ResolvedContext {
  id: string;
  level: number;
}

interface RevisionRow {
  memory_id: string;
  version: number;
  operation: RevisionOperation;
  content: string;
  context: string;
  tags: string[];
  metadata: Memory['metadata'];
  author_id: string;
  created_at: string;
}

/** Rows exported per query while walking the snapshot. */
const exportPageSize = 500;

/** Times a transaction is retried after losing a race on a unique key or a deadlock. */
const writeAttempts = 3;

export interface PostgresStoreOptions {
  /** Clock for timestamps, in milliseconds since the epoch. */
  now?: () => number;
}

/**
 * The memory store on PostgreSQL for one acting user. Many stores share one pool and one set
 * of search statistics (see `PostgresDatabase`); a store is cheap to create per request.
 *
 * Search follows the same plan as the SQLite store and ranks with the same BM25 formula as
 * SQLite's FTS5, computed in SQL from the positions in the tsvector, so the same data and query
 * give the same results on both.
 */
export class PostgresStore implements MemoryStore {
  private readonly pool: Pool;
  private readonly statistics: SearchStatistics;
  private readonly userId: string;
  private readonly now: () => number;

  constructor(
    pool: Pool,
    statistics: SearchStatistics,
    userId: string,
    options: PostgresStoreOptions = {},
  ) {
    this.pool = pool;
    this.statistics = statistics;
    this.userId = userId;
    this.now = options.now ?? Date.now;
  }

  async add(input: NewMemory): Promise<AddResult> {
    return this.write(async (client) => {
      const now = this.timestamp();
      const contextId = await this.writableContext(client, input.context, now);
      const hash = contentHash(input.content);

      const existing = await this.findByHash(client, contextId, hash, now);
      if (existing) {
        return { memory: existing, created: false };
      }
      await this.purgeExpiredDuplicate(client, contextId, hash, now);

      const id = newId(this.now());
      await this.insertMemory(
        client,
        { ...input, id, createdAt: now, updatedAt: now },
        contextId,
        hash,
        1,
      );
      return { memory: await this.requireMemory(client, id, now), created: true };
    });
  }

  async get(id: string): Promise<Memory> {
    return this.read(async () => this.requireMemory(this.pool, id, this.timestamp()));
  }

  async list(request: ListRequest): Promise<Page<Memory>> {
    return this.read(async () => {
      const now = this.timestamp();
      const params = new Parameters();
      const user = params.add(this.userId);
      const contextId = await this.resolveContext(request.context);
      let where = filterConditions(params, user, request, contextId, now);

      if (request.cursor !== undefined) {
        const position = decodeCursor(request.cursor, { createdAt: 'string', id: 'string' });
        const createdAt = params.add(position.createdAt);
        where += ` AND (m.created_at < ${createdAt}::timestamptz OR (m.created_at = ${createdAt}::timestamptz AND m.id COLLATE "C" < ${params.add(position.id)}))`;
      }

      const { rows } = await this.pool.query<MemoryRow>(
        `SELECT ${memoryColumns(user)} FROM memories m JOIN contexts c ON c.id = m.context_id
         WHERE ${where}
         ORDER BY m.created_at DESC, m.id COLLATE "C" DESC LIMIT ${params.add(request.limit + 1)}`,
        params.values,
      );

      const items = rows.slice(0, request.limit).map(toMemory);
      const last = items.at(-1);
      const nextCursor =
        rows.length > request.limit && last
          ? encodeCursor({ createdAt: last.createdAt, id: last.id })
          : null;
      return { items, nextCursor };
    });
  }

  async update(id: string, patch: MemoryPatch): Promise<Memory> {
    return this.write(async (client) => {
      const now = this.timestamp();
      const current = await this.requireRow(client, id, now, { lock: true });
      requireWrite(current);

      if (patch.expectedVersion !== undefined && patch.expectedVersion !== current.version) {
        throw new Mem0Error(
          'conflict',
          `Memory ${id} is at version ${current.version}, not ${patch.expectedVersion}: it changed since you read it. Read it again and retry.`,
        );
      }

      const memory = toMemory(current);
      const content = patch.content ?? memory.content;
      const context = patch.context ?? memory.context;
      const tags = patch.tags ?? memory.tags;
      const metadata = patch.metadata ?? memory.metadata;
      const expiresAt = patch.expiresAt === undefined ? memory.expiresAt : patch.expiresAt;

      const unchanged =
        content === memory.content &&
        context === memory.context &&
        JSON.stringify(tags) === JSON.stringify(memory.tags) &&
        sameJson(metadata, memory.metadata) &&
        expiresAt === memory.expiresAt;
      if (unchanged) {
        return memory;
      }

      const contextId = await this.writableContext(client, context, now);
      const hash = contentHash(content);
      const duplicate = await this.findByHash(client, contextId, hash, now);
      if (duplicate && duplicate.id !== id) {
        throw new Mem0Error(
          'conflict',
          `The context "${context}" already holds a memory with this content: ${duplicate.id}. Change the content or delete that memory first.`,
          { details: { existingId: duplicate.id } },
        );
      }
      await this.purgeExpiredDuplicate(client, contextId, hash, now);

      const version = current.version + 1;
      const words = content === memory.content ? current.search_text! : searchText(content);
      const newWords = wordCount(words);
      const oldWords = wordCount(current.search_text!);
      await client.query(
        `UPDATE memories SET context_id = $2, content = $3, content_hash = $4, search_text = $5,
           search_vector = $6::tsvector, word_count = $7, metadata = $8::jsonb,
           expires_at = $9::timestamptz, author_id = $10, updated_at = $11::timestamptz,
           version = $12
         WHERE id = $1`,
        [
          id,
          contextId,
          content,
          hash,
          words,
          tsvectorLiteral(words),
          newWords,
          JSON.stringify(metadata),
          expiresAt,
          this.userId,
          now,
          version,
        ],
      );
      this.statistics.pending(client, 0, newWords - oldWords);

      if (JSON.stringify(tags) !== JSON.stringify(memory.tags)) {
        await client.query('DELETE FROM memory_tags WHERE memory_id = $1', [id]);
        await this.insertTags(client, id, tags);
      }
      await this.insertRevision(
        client,
        id,
        version,
        'update',
        { content, contextId, tags, metadata },
        now,
      );
      return this.requireMemory(client, id, now);
    });
  }

  async delete(id: string): Promise<Memory> {
    return this.write(async (client) => {
      const now = this.timestamp();
      const row = await this.requireRow(client, id, now, { lock: true });
      requireWrite(row);
      await this.deleteRow(client, row, now);
      return toMemory(row);
    });
  }

  async history(id: string): Promise<Revision[]> {
    return this.read(async () => {
      const { rows } = await this.pool.query<RevisionRow>(
        `SELECT r.memory_id, r.version, r.operation, r.content, ${contextLabel('$2')} AS context,
           r.tags, r.metadata, r.author_id, ${iso('r.created_at')} AS created_at
         FROM revisions r JOIN contexts c ON c.id = r.context_id
         WHERE r.memory_id = $1 AND ${readableContext('r.context_id', '$2')}
         ORDER BY r.version`,
        [id, this.userId],
      );

      if (rows.length === 0) {
        throw notFound(`No memory with id ${id}, and no history of one.`);
      }
      return rows.map(toRevision);
    });
  }

  async search(request: SearchRequest): Promise<Page<SearchHit>> {
    return this.read(async () => {
      const query = parseQuery(request.query);
      if (query.terms.length === 0) {
        return { items: [], nextCursor: null };
      }

      const now = this.timestamp();
      const contextId = await this.resolveContext(request.context);
      const offset = searchOffset(request);

      const totals = await this.statistics.current(this.pool);
      const plan = await planPostgresSearch(this.pool, query, totals);
      if (plan === undefined) {
        return { items: [], nextCursor: null };
      }

      const params = new Parameters();
      const user = params.add(this.userId);
      const where = filterConditions(params, user, request, contextId, now);
      const { rows } = await this.pool.query<MemoryRow & { score: number }>(
        searchSql(plan, params, user, where, request.limit + 1, offset),
        params.values,
      );

      const items = rows.slice(0, request.limit).map((row) => ({
        ...toMemory(row),
        score: Math.round(row.score * 1e6) / 1e6,
        snippet: buildSnippet(row.content, query),
      }));
      const nextCursor = rows.length > request.limit ? nextSearchCursor(request, offset) : null;
      return { items, nextCursor };
    });
  }

  async contexts(): Promise<ContextSummary[]> {
    return this.read(async () => {
      const { rows } = await this.pool.query<ContextRow>(
        `SELECT * FROM (
           SELECT ${contextLabel('$1')} AS name, c.owner_id = $1 AS own, t.name AS team_name,
             u.email AS owner_email, a.level, ${iso('c.created_at')} AS created_at,
             count(m.seq)::int AS memory_count, ${iso('max(m.updated_at)')} AS last_updated_at,
             CASE WHEN c.owner_id = $1 THEN 0 WHEN c.team_id IS NOT NULL THEN 1 ELSE 2 END AS rank
           FROM (
             SELECT x.context_id, max(x.level) AS level FROM (${accessibleContexts('$1')}) x
             GROUP BY x.context_id
           ) a
           JOIN contexts c ON c.id = a.context_id
           LEFT JOIN teams t ON t.id = c.team_id
           LEFT JOIN users u ON u.id = c.owner_id
           LEFT JOIN memories m ON m.context_id = c.id
             AND (m.expires_at IS NULL OR m.expires_at > $2::timestamptz)
           GROUP BY c.id, t.name, u.email, a.level
         ) AS listed
         ORDER BY rank, name COLLATE "C"`,
        [this.userId, this.timestamp()],
      );
      return rows.map(toContextSummary);
    });
  }

  async createContext(name: string): Promise<ContextSummary> {
    return this.write(async (client) => {
      const now = this.timestamp();
      if ((await this.findContext(client, name)) !== undefined) {
        throw new Mem0Error('conflict', `A context named "${name}" already exists.`);
      }
      const created = await this.createMissingContext(client, name, now);
      const reference = parseContextName(name);
      return {
        name,
        memoryCount: 0,
        createdAt: now,
        lastUpdatedAt: null,
        owner: reference.owner
          ? { type: 'team', name: reference.owner.name }
          : { type: 'self', name: null },
        permission: permissionOf(created.level),
      };
    });
  }

  async importBatch(records: ImportRecord[]): Promise<ImportOutcome[]> {
    // Fast path: the whole batch in one transaction. A record can still fail there, such as
    // in a race on an id with another account. Then the batch is rolled back and stored again
    // with a savepoint per record, so the failing record neither stays half written nor undoes
    // the others.
    try {
      return await this.write(async (client) => {
        const now = this.timestamp();
        const contextIds = new Map<string, string>();
        const outcomes: ImportOutcome[] = [];
        for (const record of records) {
          outcomes.push(await this.importRecord(client, record, now, contextIds));
        }
        return outcomes;
      });
    } catch (error) {
      if (error instanceof Mem0Error && error.status === 503) {
        throw error;
      }
    }

    return this.write(async (client) => {
      const now = this.timestamp();
      const contextIds = new Map<string, string>();
      const outcomes: ImportOutcome[] = [];
      for (const record of records) {
        await client.query('SAVEPOINT import_record');
        try {
          outcomes.push(await this.importRecord(client, record, now, contextIds));
          await client.query('RELEASE SAVEPOINT import_record');
        } catch (error) {
          await client.query('ROLLBACK TO SAVEPOINT import_record');
          // A context created inside the rolled-back savepoint no longer exists.
          contextIds.clear();
          const reason = error instanceof Error ? error.message : String(error);
          outcomes.push({ status: 'rejected', reason: `Could not store this memory: ${reason}` });
        }
      }
      return outcomes;
    });
  }

  async *exportMemories(filter: MemoryFilter): AsyncIterable<Memory> {
    // One REPEATABLE READ transaction for the whole walk: it reads one snapshot, so writes
    // made meanwhile are neither half seen nor seen twice.
    const client = await this.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const now = this.timestamp();
      const contextId = await this.resolveContext(filter.context, client);

      let after = { createdAt: '1970-01-01T00:00:00.000Z', id: '' };
      for (;;) {
        const params = new Parameters();
        const user = params.add(this.userId);
        const where = filterConditions(params, user, filter, contextId, now);
        const createdAt = params.add(after.createdAt);
        const { rows } = await client.query<MemoryRow>(
          `SELECT ${memoryColumns(user)} FROM memories m JOIN contexts c ON c.id = m.context_id
           WHERE ${where}
             AND (m.created_at > ${createdAt}::timestamptz
               OR (m.created_at = ${createdAt}::timestamptz AND m.id COLLATE "C" > ${params.add(after.id)}))
           ORDER BY m.created_at, m.id COLLATE "C" LIMIT ${exportPageSize}`,
          params.values,
        );
        for (const row of rows) {
          yield toMemory(row);
        }
        const last = rows.at(-1);
        if (!last || rows.length < exportPageSize) {
          break;
        }
        after = { createdAt: last.created_at, id: last.id };
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw translatePostgresError(error);
    } finally {
      client.release();
    }
  }

  /** The pool belongs to the `PostgresDatabase`; closing one user's store leaves it open. */
  async close(): Promise<void> {}

  private async importRecord(
    client: PoolClient,
    record: ImportRecord,
    now: string,
    contextIds: Map<string, string>,
  ): Promise<ImportOutcome> {
    // Most records are new: look the id up alone, and compute access only for one that exists.
    const existingId = await client.query<{ context_id: string }>(
      'SELECT context_id FROM memories WHERE id = $1',
      [record.id],
    );
    if (existingId.rows.length > 0) {
      const { rows } = await client.query<{ level: number | null }>(
        `SELECT ${contextLevel('$1', '$2')} AS level`,
        [existingId.rows[0]!.context_id, this.userId],
      );
      return rows[0]!.level === null
        ? { status: 'rejected', reason: `The id ${record.id} is already used by another account.` }
        : { status: 'duplicate', id: record.id };
    }

    let contextId = contextIds.get(record.context);
    if (contextId === undefined) {
      contextId = await this.writableContext(client, record.context, now);
      contextIds.set(record.context, contextId);
    }

    const hash = record.derived?.contentHash ?? contentHash(record.content);
    const existing = await client.query<{ id: string }>(
      'SELECT id FROM memories WHERE context_id = $1 AND content_hash = $2',
      [contextId, hash],
    );
    if (existing.rows.length > 0) {
      return { status: 'duplicate', id: existing.rows[0]!.id };
    }

    // A deleted memory keeps its revisions; a re-imported one continues their numbering.
    const previous = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM revisions WHERE memory_id = $1',
      [record.id],
    );
    await this.insertMemory(client, record, contextId, hash, (previous.rows[0]?.version ?? 0) + 1);
    return { status: 'added', id: record.id };
  }

  private async read<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translatePostgresError(error);
    }
  }

  /**
   * Run `work` in a transaction on one client. A transaction that lost a race (a unique key
   * taken meanwhile, a deadlock) is run again from the start, where it reads the winner's rows.
   */
  private async write<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect();
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        this.statistics.commit(client);
        return result;
      } catch (error) {
        this.statistics.discard(client);
        await client.query('ROLLBACK').catch(() => undefined);
        if (attempt < writeAttempts && isRetryable(error)) {
          continue;
        }
        throw translatePostgresError(error);
      } finally {
        client.release();
      }
    }
  }

  private async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw translatePostgresError(error);
    }
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }

  private async selectMemory(
    db: Queryable,
    id: string,
    now: string,
    lock = false,
  ): Promise<MemoryRow | undefined> {
    // OFFSET 0 keeps PostgreSQL from copying the level subquery into the outer condition,
    // which would plan it twice. The statement is named, so each connection plans it once.
    const { rows } = await db.query<MemoryRow>({
      name: lock ? 'mem0_select_memory_for_update' : 'mem0_select_memory',
      text: `SELECT * FROM (
         SELECT ${memoryColumns('$2')}, m.search_text, ${contextLevel('m.context_id', '$2')} AS level
         FROM memories m JOIN contexts c ON c.id = m.context_id
         WHERE m.id = $1 AND (m.expires_at IS NULL OR m.expires_at > $3::timestamptz)
         OFFSET 0 ${lock ? 'FOR UPDATE OF m' : ''}
       ) AS found WHERE level IS NOT NULL`,
      values: [id, this.userId, now],
    });
    return rows[0];
  }

  private async requireRow(
    db: Queryable,
    id: string,
    now: string,
    options: { lock?: boolean } = {},
  ): Promise<MemoryRow> {
    const row = await this.selectMemory(db, id, now, options.lock);
    if (!row) {
      throw notFound(`No memory with id ${id}. List or search your memories to find ids.`);
    }
    return row;
  }

  private async requireMemory(db: Queryable, id: string, now: string): Promise<Memory> {
    return toMemory(await this.requireRow(db, id, now));
  }

  private async findContext(db: Queryable, name: string): Promise<ResolvedContext | undefined> {
    return findContext(db, this.userId, name);
  }

  /** Look up the id of a context the user can read; reject a name it cannot see. */
  private async resolveContext(
    name: string | undefined,
    db: Queryable = this.pool,
  ): Promise<string | undefined> {
    if (name === undefined) {
      return undefined;
    }
    const context = await this.findContext(db, name);
    if (context === undefined) {
      throw unknownContext(name);
    }
    return context.id;
  }

  /**
   * Return the id of a context the user may write to. The user's own context, or one of a team
   * the user belongs to, is created when missing. Rejects with `not_found` when the user cannot
   * see the context and with `forbidden` when the user may only read it.
   */
  private async writableContext(client: PoolClient, name: string, now: string): Promise<string> {
    const context =
      (await this.findContext(client, name)) ??
      (await this.createMissingContext(client, name, now));
    if (context.level < accessLevel.write) {
      throw new Mem0Error(
        'forbidden',
        `The context "${name}" is shared with you to read only. Ask its owner for write access.`,
      );
    }
    return context.id;
  }

  private async createMissingContext(
    client: PoolClient,
    name: string,
    now: string,
  ): Promise<ResolvedContext> {
    const reference = parseContextName(name);
    if (reference.owner === undefined) {
      await client.query(
        `INSERT INTO contexts (id, name, owner_id, created_at) VALUES ($1, $2, $3, $4::timestamptz)
         ON CONFLICT (owner_id, name) DO NOTHING`,
        [newId(this.now()), reference.name, this.userId, now],
      );
    } else if (reference.owner.kind === 'team') {
      // Any member of a team may start a context of the team, as writing to it would. For
      // anyone else the insert adds nothing, and the lookup below finds nothing.
      await client.query(
        `INSERT INTO contexts (id, name, team_id, created_at)
         SELECT $1, $2, tm.team_id, $4::timestamptz
         FROM team_members tm JOIN teams t ON t.id = tm.team_id
         WHERE t.name = $5 AND tm.user_id = $3
         ON CONFLICT (team_id, name) DO NOTHING`,
        [newId(this.now()), reference.name, this.userId, now, reference.owner.name],
      );
    } else {
      // Another user's context is reached only through a share; it is never created here.
      throw unknownContext(name);
    }
    const created = await this.findContext(client, name);
    if (created === undefined) {
      throw unknownContext(name);
    }
    return created;
  }

  private async findByHash(
    client: PoolClient,
    contextId: string,
    hash: string,
    now: string,
  ): Promise<Memory | undefined> {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM memories WHERE context_id = $1 AND content_hash = $2
         AND (expires_at IS NULL OR expires_at > $3::timestamptz)`,
      [contextId, hash, now],
    );
    return rows.length === 0 ? undefined : this.requireMemory(client, rows[0]!.id, now);
  }

  /** An expired memory no longer counts as a duplicate; it is deleted to make room. */
  private async purgeExpiredDuplicate(
    client: PoolClient,
    contextId: string,
    hash: string,
    now: string,
  ): Promise<void> {
    const { rows } = await client.query<MemoryRow>(
      `SELECT ${memoryColumns('$4')}, m.search_text FROM memories m JOIN contexts c ON c.id = m.context_id
       WHERE m.context_id = $1 AND m.content_hash = $2 AND m.expires_at <= $3::timestamptz
       FOR UPDATE OF m`,
      [contextId, hash, now, this.userId],
    );
    if (rows[0]) {
      await this.deleteRow(client, rows[0], now);
    }
  }

  private async deleteRow(client: PoolClient, row: MemoryRow, now: string): Promise<void> {
    const memory = toMemory(row);
    const { rows } = await client.query<{ context_id: string }>(
      'DELETE FROM memories WHERE id = $1 RETURNING context_id',
      [memory.id],
    );
    await this.insertRevision(
      client,
      memory.id,
      memory.version + 1,
      'delete',
      {
        content: memory.content,
        contextId: rows[0]!.context_id,
        tags: memory.tags,
        metadata: memory.metadata,
      },
      now,
    );
    this.statistics.pending(client, -1, -wordCount(row.search_text!));
  }

  private async insertMemory(
    client: PoolClient,
    record: Omit<ImportRecord, 'context'>,
    contextId: string,
    hash: string,
    version: number,
  ): Promise<void> {
    const words = record.derived?.searchText ?? searchText(record.content);
    const count = wordCount(words);
    await client.query(
      `INSERT INTO memories (id, context_id, author_id, content, content_hash, search_text,
         search_vector, word_count, metadata, source, version, created_at, updated_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::tsvector, $8, $9::jsonb, $10, $11, $12::timestamptz,
         $13::timestamptz, $14::timestamptz)`,
      [
        record.id,
        contextId,
        this.userId,
        record.content,
        hash,
        words,
        tsvectorLiteral(words),
        count,
        JSON.stringify(record.metadata),
        record.source,
        version,
        record.createdAt,
        record.updatedAt,
        record.expiresAt,
      ],
    );
    this.statistics.pending(client, 1, count);
    await this.insertTags(client, record.id, record.tags);
    await this.insertRevision(
      client,
      record.id,
      version,
      'create',
      { content: record.content, contextId, tags: record.tags, metadata: record.metadata },
      record.updatedAt,
    );
  }

  private async insertTags(client: PoolClient, id: string, tags: string[]): Promise<void> {
    if (tags.length === 0) {
      return;
    }
    await client.query('INSERT INTO memory_tags (memory_id, tag) SELECT $1, unnest($2::text[])', [
      id,
      tags,
    ]);
  }

  private async insertRevision(
    client: PoolClient,
    memoryId: string,
    version: number,
    operation: RevisionOperation,
    state: Pick<Memory, 'content' | 'tags' | 'metadata'> & { contextId: string },
    createdAt: string,
  ): Promise<void> {
    await client.query(
      `INSERT INTO revisions (id, memory_id, version, operation, content, context_id, tags,
         metadata, author_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10::timestamptz)`,
      [
        newId(this.now()),
        memoryId,
        version,
        operation,
        state.content,
        state.contextId,
        JSON.stringify(state.tags),
        JSON.stringify(state.metadata),
        this.userId,
        createdAt,
      ],
    );
  }
}

/**
 * Build the search query. It ranks with BM25 as SQLite's FTS5 computes it, with k1 = 1.2 and
 * b = 0.75: the sum over the query terms of idf × tf × (k1 + 1) / (tf + k1 × (1 − b + b × words
 * / average words)), where tf is how often the term occurs in the memory. The columns of a
 * memory are read for the rows of the page only.
 */
function searchSql(
  plan: PostgresSearchPlan,
  params: Parameters,
  user: string,
  where: string,
  limit: number,
  offset: number,
): string {
  const averageWords = params.add(plan.averageWords);
  const terms = plan.terms.map((term, index) => ({
    frequency: termFrequency(params, term.term, term.prefix),
    idf: params.add(plan.idf[index]),
  }));
  // Each term's frequency is a column of the inner query, so it is computed once per row.
  const frequencies = terms.map((term, index) => `${term.frequency} AS tf${index}`).join(', ');
  const score = terms
    .map(
      (term, index) =>
        `(${term.idf}::float8 * f.tf${index} * 2.2 / (f.tf${index} + 1.2 * (0.25 + 0.75 * f.word_count / ${averageWords}::float8)))`,
    )
    .join(' + ');
  const match = `m.search_vector @@ ${params.add(plan.tsquery)}::tsquery AND ${where}`;
  const page = `LIMIT ${params.add(limit)} OFFSET ${params.add(offset)}`;

  // OFFSET 0 keeps PostgreSQL from folding the inner query into the outer one, which would
  // compute each frequency once for every place the score formula uses it. The inner query
  // needs no join with contexts, because access is checked on m.context_id; the join cost a
  // quarter of the search's time.
  const hits =
    plan.order === 'recency'
      ? // Newest first: the score is computed for the rows of the page only.
        `SELECT f.seq, ${score} AS score FROM (
           SELECT m.seq, m.word_count, ${frequencies}
           FROM memories m
           WHERE ${match} ORDER BY m.seq DESC ${page}
         ) AS f`
      : `SELECT f.seq, ${score} AS score FROM (
           SELECT m.seq, m.created_at, m.id, m.word_count, ${frequencies}
           FROM memories m
           WHERE ${match} OFFSET 0
         ) AS f
         ORDER BY score DESC, f.created_at DESC, f.id COLLATE "C" DESC ${page}`;
  const order =
    plan.order === 'recency'
      ? 'm.seq DESC'
      : 'h.score DESC, m.created_at DESC, m.id COLLATE "C" DESC';

  return `WITH hits AS MATERIALIZED (${hits})
    SELECT ${memoryColumns(user)}, h.score
    FROM hits h JOIN memories m ON m.seq = h.seq JOIN contexts c ON c.id = m.context_id
    ORDER BY ${order}`;
}

/**
 * An SQL expression for how often a term occurs in memory `m`.
 *
 * For a whole word it is read from ts_rank, which is much cheaper than unnesting the vector:
 * with every weight 1 and a one-word query, ts_rank returns H(tf) / (π² / 6), where
 * H(n) = 1 + 1/2² + … + 1/n², and π² / 6 − H(n) is close to 1 / (n + 0.5). So tf is recovered
 * exactly (checked for 1 to 256, the most positions a word keeps).
 *
 * A prefix can match several words. Their occurrences are counted in search_text, where words
 * are separated by single spaces: each is a space followed by the prefix.
 */
function termFrequency(params: Parameters, term: string, prefix: boolean): string {
  if (prefix) {
    const pattern = params.add(` ${term}`);
    return `((length(' ' || m.search_text) - length(replace(' ' || m.search_text, ${pattern}, ''))) / length(${pattern}))::float8`;
  }
  const query = params.add(quoteLexeme(term));
  return `round(1 / (1.64493406685 - ts_rank('{1,1,1,1}'::float4[], m.search_vector, ${query}::tsquery, 0) * 1.64493406685) - 0.5)`;
}

/** Reject a change to a memory that the user can read but not write. */
function requireWrite(row: MemoryRow): void {
  if ((row.level ?? 0) < accessLevel.write) {
    throw new Mem0Error(
      'forbidden',
      `Memory ${row.id} is in the context "${row.context}", which is shared with you to read only. Ask its owner for write access.`,
    );
  }
}

function unknownContext(name: string): Mem0Error {
  return notFound(`No context named "${name}". List your contexts to see their names.`);
}

function permissionOf(level: number): ContextPermission {
  if (level >= accessLevel.manage) {
    return 'manage';
  }
  return level >= accessLevel.write ? 'write' : 'read';
}

interface ContextRow {
  name: string;
  own: boolean;
  team_name: string | null;
  owner_email: string | null;
  level: number;
  created_at: string;
  memory_count: number;
  last_updated_at: string | null;
}

function toContextSummary(row: ContextRow): ContextSummary {
  const owner: ContextOwner = row.own
    ? { type: 'self', name: null }
    : row.team_name !== null
      ? { type: 'team', name: row.team_name }
      : { type: 'user', name: row.owner_email };
  return {
    name: row.name,
    memoryCount: row.memory_count,
    createdAt: row.created_at,
    lastUpdatedAt: row.last_updated_at,
    owner,
    permission: permissionOf(row.level),
  };
}

function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    content: row.content,
    context: row.context,
    tags: row.tags,
    metadata: row.metadata,
    source: row.source,
    authorId: row.author_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    version: row.version,
  };
}

function toRevision(row: RevisionRow): Revision {
  return {
    memoryId: row.memory_id,
    version: row.version,
    operation: row.operation,
    content: row.content,
    context: row.context,
    tags: row.tags,
    metadata: row.metadata,
    authorId: row.author_id,
    createdAt: row.created_at,
  };
}

/** Compare two JSON values without regard to key order, which jsonb does not keep. */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

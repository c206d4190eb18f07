import type Database from 'better-sqlite3';

import {
  type AddResult,
  buildSnippet,
  type ContextOwner,
  type ContextSummary,
  contentHash,
  decodeCursor,
  encodeCursor,
  type ImportOutcome,
  type ImportRecord,
  invalidArgument,
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
  parseQuery,
  type Revision,
  type RevisionOperation,
  type SearchHit,
  type SearchRequest,
  searchText,
} from '@memzero/core';

import { translateSqliteError } from './errors.js';
import { filterConditions } from './filters.js';
import { nextSearchCursor, searchOffset } from '../search/cursor.js';
import { planSearch } from './search-plan.js';
import { openSqliteDatabase, type OpenSqliteOptions } from './open.js';
import { memoryColumns, type MemoryRow, type RevisionRow, toMemory, toRevision } from './rows.js';

export const localUserId = 'local';

export interface SqliteStoreOptions extends OpenSqliteOptions {
  /** The acting user; a local database has one, `local`. */
  userId?: string;
  /** Clock for timestamps, in milliseconds since the epoch. */
  now?: () => number;
}

/** Rows exported per query while walking the snapshot. */
const exportPageSize = 500;

/**
 * The memory store on a SQLite file, with FTS5 full-text search. Queries are plain prepared
 * statements on better-sqlite3: a process that runs one command opens the file, runs a few
 * statements and exits, so start-up cost matters more than anything an ORM adds.
 */
export class SqliteStore implements MemoryStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly userId: string;
  private readonly now: () => number;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = path;
    this.db = openSqliteDatabase(path, options);
    this.userId = options.userId ?? localUserId;
    this.now = options.now ?? Date.now;
  }

  /** The underlying connection, for tests and tools that inspect the file. */
  get database(): Database.Database {
    return this.db;
  }

  async add(input: NewMemory): Promise<AddResult> {
    return this.write(() => {
      const now = this.timestamp();
      const contextId = this.ensureContext(input.context, now);
      const hash = contentHash(input.content);

      const existing = this.findByHash(contextId, hash, now);
      if (existing) {
        return { memory: existing, created: false };
      }
      this.purgeExpiredDuplicate(contextId, hash, now);

      const id = newId(this.now());
      this.insertMemory({ ...input, id, createdAt: now, updatedAt: now }, contextId, hash, 1);
      return { memory: this.requireMemory(id, now), created: true };
    });
  }

  async get(id: string): Promise<Memory> {
    return this.read(() => this.requireMemory(id, this.timestamp()));
  }

  async list(request: ListRequest): Promise<Page<Memory>> {
    return this.read(() => {
      const now = this.timestamp();
      const { clauses, params } = filterConditions(
        this.userId,
        request,
        this.resolveContext(request.context),
        now,
      );

      if (request.cursor !== undefined) {
        const position = decodeCursor(request.cursor, { createdAt: 'string', id: 'string' });
        clauses.push(
          '(m.created_at < @cursorCreatedAt OR (m.created_at = @cursorCreatedAt AND m.id < @cursorId))',
        );
        params.cursorCreatedAt = position.createdAt;
        params.cursorId = position.id;
      }

      const rows = this.db
        .prepare(
          `SELECT ${memoryColumns} FROM memories m JOIN contexts c ON c.id = m.context_id
           WHERE ${clauses.join(' AND ')}
           ORDER BY m.created_at DESC, m.id DESC LIMIT @limit`,
        )
        .all({ ...params, limit: request.limit + 1 }) as MemoryRow[];

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
    return this.write(() => {
      const now = this.timestamp();
      const current = this.requireRow(id, now);

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
        JSON.stringify(metadata) === JSON.stringify(memory.metadata) &&
        expiresAt === memory.expiresAt;
      if (unchanged) {
        return memory;
      }

      const contextId = this.ensureContext(context, now);
      const hash = contentHash(content);
      const duplicate = this.findByHash(contextId, hash, now);
      if (duplicate && duplicate.id !== id) {
        throw new Mem0Error(
          'conflict',
          `The context "${context}" already holds a memory with this content: ${duplicate.id}. Change the content or delete that memory first.`,
          { details: { existingId: duplicate.id } },
        );
      }
      this.purgeExpiredDuplicate(contextId, hash, now);

      const version = current.version + 1;
      const words = searchText(content);
      if (content !== memory.content) {
        this.unindex(id);
      }
      this.statement(
        `UPDATE memories SET context_id = @contextId, content = @content, content_hash = @hash,
           search_text = @searchText, metadata = @metadata, expires_at = @expiresAt,
           author_id = @userId, updated_at = @now, version = @version
         WHERE id = @id`,
      ).run({
        id,
        contextId,
        content,
        hash,
        searchText: words,
        metadata: JSON.stringify(metadata),
        expiresAt,
        userId: this.userId,
        now,
        version,
      });
      if (content !== memory.content) {
        this.index(current.seq, words);
      }

      if (JSON.stringify(tags) !== JSON.stringify(memory.tags)) {
        this.statement('DELETE FROM memory_tags WHERE memory_id = ?').run(id);
        this.insertTags(id, tags);
      }
      this.insertRevision(id, version, 'update', { content, contextId, tags, metadata }, now);
      return this.requireMemory(id, now);
    });
  }

  async delete(id: string): Promise<Memory> {
    return this.write(() => {
      const now = this.timestamp();
      const row = this.requireRow(id, now);
      const memory = toMemory(row);
      this.deleteRow(memory, this.contextIdOf(id), now);
      return memory;
    });
  }

  async history(id: string): Promise<Revision[]> {
    return this.read(() => {
      const rows = this.statement(
        `SELECT r.memory_id, r.version, r.operation, r.content, c.name AS context, r.tags,
           r.metadata, r.author_id, r.created_at
         FROM revisions r JOIN contexts c ON c.id = r.context_id
         WHERE r.memory_id = ? AND c.owner_id = ?
         ORDER BY r.version`,
      ).all(id, this.userId) as RevisionRow[];

      if (rows.length === 0) {
        throw notFound(`No memory with id ${id}, and no history of one.`);
      }
      return rows.map(toRevision);
    });
  }

  async search(request: SearchRequest): Promise<Page<SearchHit>> {
    return this.read(() => {
      const query = parseQuery(request.query);
      if (query.terms.length === 0) {
        return { items: [], nextCursor: null };
      }

      const now = this.timestamp();
      const { clauses, params } = filterConditions(
        this.userId,
        request,
        this.resolveContext(request.context),
        now,
      );

      const offset = searchOffset(request);

      const plan = planSearch(this.db, query);
      if (plan === undefined) {
        return { items: [], nextCursor: null };
      }
      const order =
        plan.order === 'rank' ? 'rank, m.created_at DESC, m.id DESC' : 'memories_fts.rowid DESC';

      const rows = this.db
        .prepare(
          `SELECT ${memoryColumns}, bm25(memories_fts) AS rank
           FROM memories_fts JOIN memories m ON m.seq = memories_fts.rowid
           JOIN contexts c ON c.id = m.context_id
           WHERE memories_fts MATCH @match AND ${clauses.join(' AND ')}
           ORDER BY ${order}
           LIMIT @limit OFFSET @offset`,
        )
        .all({ ...params, match: plan.match, limit: request.limit + 1, offset }) as (MemoryRow & {
        rank: number;
      })[];

      const items = rows.slice(0, request.limit).map((row) => ({
        ...toMemory(row),
        score: Math.round(-row.rank * 1e6) / 1e6,
        snippet: buildSnippet(row.content, query),
      }));
      const nextCursor = rows.length > request.limit ? nextSearchCursor(request, offset) : null;
      return { items, nextCursor };
    });
  }

  async contexts(): Promise<ContextSummary[]> {
    return this.read(() => {
      const rows = this.statement(
        `SELECT c.name, c.created_at, count(m.seq) AS memory_count, max(m.updated_at) AS last_updated_at
         FROM contexts c
         LEFT JOIN memories m ON m.context_id = c.id AND (m.expires_at IS NULL OR m.expires_at > @now)
         WHERE c.owner_id = @userId
         GROUP BY c.id
         ORDER BY c.name`,
      ).all({ userId: this.userId, now: this.timestamp() }) as {
        name: string;
        created_at: string;
        memory_count: number;
        last_updated_at: string | null;
      }[];

      return rows.map((row) => ({
        name: row.name,
        memoryCount: row.memory_count,
        createdAt: row.created_at,
        lastUpdatedAt: row.last_updated_at,
        owner: selfOwner,
        permission: 'manage' as const,
      }));
    });
  }

  async createContext(name: string): Promise<ContextSummary> {
    return this.write(() => {
      const now = this.timestamp();
      const existing = this.statement('SELECT id FROM contexts WHERE owner_id = ? AND name = ?')
        .pluck()
        .get(this.userId, name);
      if (existing !== undefined) {
        throw new Mem0Error('conflict', `You already have a context named "${name}".`);
      }
      this.ensureContext(name, now);
      return {
        name,
        memoryCount: 0,
        createdAt: now,
        lastUpdatedAt: null,
        owner: selfOwner,
        permission: 'manage',
      };
    });
  }

  async importBatch(records: ImportRecord[]): Promise<ImportOutcome[]> {
    // Fast path: the whole batch in one transaction. Validation has already run, so a record
    // fails here only in rare cases (such as a race on an id with another account); then the
    // batch is rolled back and stored again with a savepoint per record, so that the failing
    // record leaves nothing behind and does not undo the others.
    try {
      return this.write(() => {
        const now = this.timestamp();
        const contextIds = new Map<string, string>();
        return records.map((record) => this.importRecord(record, now, contextIds));
      });
    } catch (error) {
      if (error instanceof Mem0Error && error.status === 503) {
        throw error;
      }
    }

    return this.write(() => {
      const now = this.timestamp();
      const contextIds = new Map<string, string>();
      return records.map((record) => {
        try {
          return this.db.transaction(() => this.importRecord(record, now, contextIds))();
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          return { status: 'rejected', reason: `Could not store this memory: ${reason}` };
        }
      });
    });
  }

  private importRecord(
    record: ImportRecord,
    now: string,
    contextIds: Map<string, string>,
  ): ImportOutcome {
    const owner = this.statement(
      `SELECT c.owner_id FROM memories m JOIN contexts c ON c.id = m.context_id WHERE m.id = ?`,
    )
      .pluck()
      .get(record.id) as string | undefined;
    if (owner !== undefined) {
      return owner === this.userId
        ? { status: 'duplicate', id: record.id }
        : { status: 'rejected', reason: `The id ${record.id} is already used by another account.` };
    }

    let contextId = contextIds.get(record.context);
    if (contextId === undefined) {
      contextId = this.ensureContext(record.context, now);
      contextIds.set(record.context, contextId);
    }

    const hash = record.derived?.contentHash ?? contentHash(record.content);
    const existing = this.statement(
      'SELECT id FROM memories WHERE context_id = ? AND content_hash = ?',
    )
      .pluck()
      .get(contextId, hash) as string | undefined;
    if (existing !== undefined) {
      return { status: 'duplicate', id: existing };
    }

    // A deleted memory keeps its revisions; a re-imported one continues their numbering.
    const previousVersion = this.statement('SELECT max(version) FROM revisions WHERE memory_id = ?')
      .pluck()
      .get(record.id) as number | null;
    this.insertMemory(record, contextId, hash, (previousVersion ?? 0) + 1);
    return { status: 'added', id: record.id };
  }

  async *exportMemories(filter: MemoryFilter): AsyncIterable<Memory> {
    // One read transaction for the whole walk: in WAL mode it reads one snapshot, so writes
    // made by other processes meanwhile are neither half seen nor seen twice.
    this.db.exec('BEGIN');
    try {
      const now = this.timestamp();
      const { clauses, params } = filterConditions(
        this.userId,
        filter,
        this.resolveContext(filter.context),
        now,
      );
      const page = this.db.prepare(
        `SELECT ${memoryColumns} FROM memories m JOIN contexts c ON c.id = m.context_id
         WHERE ${clauses.join(' AND ')}
           AND (m.created_at > @afterCreatedAt OR (m.created_at = @afterCreatedAt AND m.id > @afterId))
         ORDER BY m.created_at, m.id LIMIT ${exportPageSize}`,
      );

      let after = { afterCreatedAt: '', afterId: '' };
      for (;;) {
        const rows = page.all({ ...params, ...after }) as MemoryRow[];
        for (const row of rows) {
          yield toMemory(row);
        }
        const last = rows.at(-1);
        if (!last || rows.length < exportPageSize) {
          break;
        }
        after = { afterCreatedAt: last.created_at, afterId: last.id };
      }
    } catch (error) {
      throw translateSqliteError(error, this.path);
    } finally {
      this.db.exec('COMMIT');
    }
  }

  async close(): Promise<void> {
    if (this.db.open) {
      this.db.close();
    }
  }

  private read<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw translateSqliteError(error, this.path);
    }
  }

  /** Run `work` in an IMMEDIATE transaction: it takes the write lock first, then reads. */
  private write<T>(work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (error) {
      throw translateSqliteError(error, this.path);
    }
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }

  private selectMemory(id: string, now: string): MemoryRow | undefined {
    return this.statement(
      `SELECT ${memoryColumns} FROM memories m JOIN contexts c ON c.id = m.context_id
       WHERE m.id = @id AND c.owner_id = @userId AND (m.expires_at IS NULL OR m.expires_at > @now)`,
    ).get({ id, userId: this.userId, now }) as MemoryRow | undefined;
  }

  private requireRow(id: string, now: string): MemoryRow {
    const row = this.selectMemory(id, now);
    if (!row) {
      throw notFound(`No memory with id ${id}. Run "mem0 list" or "mem0 search" to find ids.`);
    }
    return row;
  }

  private requireMemory(id: string, now: string): Memory {
    return toMemory(this.requireRow(id, now));
  }

  private contextIdOf(id: string): string {
    return this.statement('SELECT context_id FROM memories WHERE id = ?').pluck().get(id) as string;
  }

  /** Look up the id of one of the user's contexts by name; reject an unknown name. */
  private resolveContext(name: string | undefined): string | undefined {
    if (name === undefined) {
      return undefined;
    }
    rejectQualifiedName(name);
    const id = this.statement('SELECT id FROM contexts WHERE owner_id = ? AND name = ?')
      .pluck()
      .get(this.userId, name) as string | undefined;
    if (id === undefined) {
      throw notFound(`No context named "${name}". Run "mem0 contexts" to see yours.`);
    }
    return id;
  }

  private ensureContext(name: string, now: string): string {
    rejectQualifiedName(name);
    const existing = this.statement('SELECT id FROM contexts WHERE owner_id = ? AND name = ?')
      .pluck()
      .get(this.userId, name) as string | undefined;
    if (existing !== undefined) {
      return existing;
    }
    const id = newId(this.now());
    this.statement('INSERT INTO contexts (id, name, owner_id, created_at) VALUES (?, ?, ?, ?)').run(
      id,
      name,
      this.userId,
      now,
    );
    return id;
  }

  private findByHash(contextId: string, hash: string, now: string): Memory | undefined {
    const id = this.statement(
      `SELECT id FROM memories WHERE context_id = ? AND content_hash = ?
         AND (expires_at IS NULL OR expires_at > ?)`,
    )
      .pluck()
      .get(contextId, hash, now) as string | undefined;
    return id === undefined ? undefined : this.requireMemory(id, now);
  }

  /** An expired memory no longer counts as a duplicate; it is deleted to make room. */
  private purgeExpiredDuplicate(contextId: string, hash: string, now: string): void {
    const row = this.statement(
      `SELECT ${memoryColumns} FROM memories m JOIN contexts c ON c.id = m.context_id
       WHERE m.context_id = ? AND m.content_hash = ? AND m.expires_at <= ?`,
    ).get(contextId, hash, now) as MemoryRow | undefined;
    if (row) {
      this.deleteRow(toMemory(row), contextId, now);
    }
  }

  private deleteRow(memory: Memory, contextId: string, now: string): void {
    this.insertRevision(
      memory.id,
      memory.version + 1,
      'delete',
      { content: memory.content, contextId, tags: memory.tags, metadata: memory.metadata },
      now,
    );
    this.unindex(memory.id);
    this.statement('DELETE FROM memories WHERE id = ?').run(memory.id);
  }

  // The FTS5 table holds no text of its own (external content): the store adds a memory's
  // words under its seq, and removes them by passing the same words back with 'delete'. Both
  // happen in the transaction that changes the memory.
  private index(seq: number | bigint, words: string): void {
    this.statement('INSERT INTO memories_fts (rowid, search_text) VALUES (?, ?)').run(seq, words);
  }

  private unindex(id: string): void {
    this.statement(
      `INSERT INTO memories_fts (memories_fts, rowid, search_text)
       SELECT 'delete', seq, search_text FROM memories WHERE id = ?`,
    ).run(id);
  }

  private insertMemory(
    record: Omit<ImportRecord, 'context'>,
    contextId: string,
    hash: string,
    version: number,
  ): void {
    const words = record.derived?.searchText ?? searchText(record.content);
    const { lastInsertRowid } = this.statement(
      `INSERT INTO memories (id, context_id, author_id, content, content_hash, search_text,
         metadata, source, version, created_at, updated_at, expires_at)
       VALUES (@id, @contextId, @authorId, @content, @hash, @searchText, @metadata, @source,
         @version, @createdAt, @updatedAt, @expiresAt)`,
    ).run({
      id: record.id,
      contextId,
      authorId: this.userId,
      content: record.content,
      hash,
      searchText: words,
      metadata: JSON.stringify(record.metadata),
      source: record.source,
      version,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      expiresAt: record.expiresAt,
    });
    this.index(lastInsertRowid, words);
    this.insertTags(record.id, record.tags);
    this.insertRevision(
      record.id,
      version,
      'create',
      { content: record.content, contextId, tags: record.tags, metadata: record.metadata },
      record.updatedAt,
    );
  }

  private insertTags(id: string, tags: string[]): void {
    const insert = this.statement('INSERT INTO memory_tags (memory_id, tag) VALUES (?, ?)');
    for (const tag of tags) {
      insert.run(id, tag);
    }
  }

  private insertRevision(
    memoryId: string,
    version: number,
    operation: RevisionOperation,
    state: Pick<Memory, 'content' | 'tags' | 'metadata'> & { contextId: string },
    createdAt: string,
  ): void {
    this.statement(
      `INSERT INTO revisions (id, memory_id, version, operation, content, context_id, tags,
         metadata, author_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
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
    );
  }
}

/** Every context of a local database belongs to its one user. */
const selfOwner: ContextOwner = { type: 'self', name: null };

/** Contexts named `team/name` or `owner@example.com/name` exist only on a team server. */
function rejectQualifiedName(name: string): void {
  if (name.includes('/')) {
    throw invalidArgument(
      `The context "${name}" names a team or another user's context; those exist only on a team server. Use a name without "/" here.`,
    );
  }
}

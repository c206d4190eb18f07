import { createHash } from 'node:crypto';

import type { Memory, Metadata, Revision } from '@memzero/core';

/**
 * Rows written at the first schema (0001_init), as the store of that time wrote them, and the
 * memories and revisions the current store must return for them after every later migration.
 * Tags are listed in the order the store returns them (sorted).
 */

export const ids = {
  party: '01JGZ00000000000000000000A',
  backup: '01JGZ00000000000000000000B',
  cafe: '01JGZ00000000000000000000C',
  deleted: '01JGZ00000000000000000000D',
};

interface FixtureMemory {
  id: string;
  context: 'default' | 'work';
  content: string;
  /** The search words that the tokenizer of that time stored in memories.search_text. */
  searchText: string;
  tags: string[];
  metadata: Metadata;
  source: Memory['source'];
  version: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
}

interface FixtureRevision {
  id: string;
  memoryId: string;
  version: number;
  operation: Revision['operation'];
  context: 'default' | 'work';
  content: string;
  tags: string[];
  metadata: Metadata;
  createdAt: string;
}

export const memories: FixtureMemory[] = [
  {
    id: ids.party,
    context: 'default',
    content: 'Release party 🎉 on Friday',
    searchText: 'release party 🎉 on friday',
    tags: ['party', 'team'],
    metadata: { room: '4B', floor: 4, remote: false },
    source: 'cli',
    version: 2,
    createdAt: '2026-01-05T09:00:00.123Z',
    updatedAt: '2026-01-06T10:30:00.250Z',
    expiresAt: null,
  },
  {
    id: ids.backup,
    context: 'work',
    content: '数据库每周日凌晨两点备份',
    searchText: '数据 库 每周 日 凌晨 两 点 备份',
    tags: ['ops'],
    metadata: {},
    source: 'mcp',
    version: 1,
    createdAt: '2026-01-07T02:00:00.000Z',
    updatedAt: '2026-01-07T02:00:00.000Z',
    expiresAt: '2099-01-01T00:00:00.000Z',
  },
  {
    id: ids.cafe,
    context: 'work',
    // "e" followed by U+0301 COMBINING ACUTE ACCENT, not the precomposed "é".
    content: 'Cafe\u0301 au lait near the office',
    searchText: 'cafe au lait near the office',
    tags: [],
    metadata: { nested: { ok: true }, list: [1, 'два', null] },
    source: 'api',
    version: 1,
    createdAt: '2026-01-08T12:00:00.999Z',
    updatedAt: '2026-01-08T12:00:00.999Z',
    expiresAt: null,
  },
];

// The first schema has no soft delete. Deleting a memory removed its row and recorded a
// 'delete' revision, so `ids.deleted` has revisions and no memory row.
export const revisions: FixtureRevision[] = [
  revision('01JGZ0000000000000000000R1', ids.party, 1, 'create', 'Release party on Friday', {
    tags: ['team'],
    metadata: { room: '4B' },
    createdAt: '2026-01-05T09:00:00.123Z',
  }),
  revision('01JGZ0000000000000000000R2', ids.party, 2, 'update', memories[0]!.content, {
    tags: memories[0]!.tags,
    metadata: memories[0]!.metadata,
    createdAt: memories[0]!.updatedAt,
  }),
  revision('01JGZ0000000000000000000R3', ids.backup, 1, 'create', memories[1]!.content, {
    context: 'work',
    tags: ['ops'],
    createdAt: memories[1]!.createdAt,
  }),
  revision('01JGZ0000000000000000000R4', ids.cafe, 1, 'create', memories[2]!.content, {
    context: 'work',
    metadata: memories[2]!.metadata,
    createdAt: memories[2]!.createdAt,
  }),
  revision('01JGZ0000000000000000000R5', ids.deleted, 1, 'create', 'Old Wi-Fi key: drawer', {
    createdAt: '2026-01-02T08:00:00.000Z',
  }),
  revision('01JGZ0000000000000000000R6', ids.deleted, 2, 'delete', 'Old Wi-Fi key: drawer', {
    createdAt: '2026-01-03T08:00:00.000Z',
  }),
];

function revision(
  id: string,
  memoryId: string,
  version: number,
  operation: Revision['operation'],
  content: string,
  rest: Partial<FixtureRevision> & { createdAt: string },
): FixtureRevision {
  return {
    id,
    memoryId,
    version,
    operation,
    content,
    context: 'default',
    tags: [],
    metadata: {},
    ...rest,
  };
}

/**
 * Hash content by the duplicate rule of the first store: SHA-256 of the content in NFC, trimmed,
 * with whitespace runs collapsed. The rule is written out here, not imported, so that a changed
 * rule in the current code shows up as an old duplicate that is no longer recognized.
 */
export function firstSchemaHash(content: string): string {
  const normalized = content.normalize('NFC').trim().replace(/\s+/gu, ' ');
  return createHash('sha256').update(normalized).digest('hex');
}

/** The memories the current store must return for the fixture rows. */
export function expectedMemories(authorId: string): Memory[] {
  return memories.map((memory) => ({
    id: memory.id,
    content: memory.content,
    context: memory.context,
    tags: memory.tags,
    metadata: memory.metadata,
    source: memory.source,
    authorId,
    createdAt: memory.createdAt,
    updatedAt: memory.updatedAt,
    expiresAt: memory.expiresAt,
    version: memory.version,
  }));
}

/** The history the current store must return for one fixture memory, oldest first. */
export function expectedHistory(memoryId: string, authorId: string): Revision[] {
  return revisions
    .filter((row) => row.memoryId === memoryId)
    .map((row) => ({
      memoryId: row.memoryId,
      version: row.version,
      operation: row.operation,
      content: row.content,
      context: row.context,
      tags: row.tags,
      metadata: row.metadata,
      authorId,
      createdAt: row.createdAt,
    }));
}

/**
 * Build the insert statements of the fixture, with `?` placeholders and their parameters. The
 * caller maps context names to the context ids of its database. Both first schemas declare
 * metadata and revision tags as JSONB and take them as JSON text.
 */
export function fixtureInserts(
  contextIds: Record<'default' | 'work', string>,
  authorId: string,
): { sql: string; params: unknown[] }[] {
  const statements: { sql: string; params: unknown[] }[] = [];
  for (const memory of memories) {
    statements.push({
      sql: `INSERT INTO memories (id, context_id, author_id, content, content_hash, search_text,
              metadata, source, version, created_at, updated_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [
        memory.id,
        contextIds[memory.context],
        authorId,
        memory.content,
        firstSchemaHash(memory.content),
        memory.searchText,
        JSON.stringify(memory.metadata),
        memory.source,
        memory.version,
        memory.createdAt,
        memory.updatedAt,
        memory.expiresAt,
      ],
    });
    for (const tag of memory.tags) {
      statements.push({
        sql: 'INSERT INTO memory_tags (memory_id, tag) VALUES (?, ?)',
        params: [memory.id, tag],
      });
    }
  }
  for (const row of revisions) {
    statements.push({
      sql: `INSERT INTO revisions (id, memory_id, version, operation, content, context_id, tags,
              metadata, author_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [
        row.id,
        row.memoryId,
        row.version,
        row.operation,
        row.content,
        contextIds[row.context],
        JSON.stringify(row.tags),
        JSON.stringify(row.metadata),
        authorId,
        row.createdAt,
      ],
    });
  }
  return statements;
}

/** Rewrite `?` placeholders as PostgreSQL's `$1`, `$2`, … */
export function numberedPlaceholders(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

import type { Memory, MemorySource, Metadata, Revision, RevisionOperation } from '@memzero/core';

/** Columns selected for a memory; `m` is memories, `c` its context. */
export const memoryColumns = `m.seq, m.id, m.content, c.name AS context, m.metadata, m.source,
  m.author_id, m.created_at, m.updated_at, m.expires_at, m.version,
  (SELECT json_group_array(tag) FROM (SELECT t.tag FROM memory_tags t WHERE t.memory_id = m.id ORDER BY t.tag)) AS tags`;

export interface MemoryRow {
  seq: number;
  id: string;
  content: string;
  context: string;
  metadata: string;
  source: string;
  author_id: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  version: number;
  tags: string;
}

export function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    content: row.content,
    context: row.context,
    tags: JSON.parse(row.tags) as string[],
    metadata: JSON.parse(row.metadata) as Metadata,
    source: row.source as MemorySource,
    authorId: row.author_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    version: row.version,
  };
}

export interface RevisionRow {
  memory_id: string;
  version: number;
  operation: string;
  content: string;
  context: string;
  tags: string;
  metadata: string;
  author_id: string;
  created_at: string;
}

export function toRevision(row: RevisionRow): Revision {
  return {
    memoryId: row.memory_id,
    version: row.version,
    operation: row.operation as RevisionOperation,
    content: row.content,
    context: row.context,
    tags: JSON.parse(row.tags) as string[],
    metadata: JSON.parse(row.metadata) as Metadata,
    authorId: row.author_id,
    createdAt: row.created_at,
  };
}

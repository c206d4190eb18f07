import type { ContextOwner, ContextPermission } from './teams.js';

/** Which client wrote a memory. */
export const memorySources = ['cli', 'mcp', 'api', 'import'] as const;
export type MemorySource = (typeof memorySources)[number];

export type MetadataValue =
  string | number | boolean | null | MetadataValue[] | { [key: string]: MetadataValue };
export type Metadata = { [key: string]: MetadataValue };

/** A scalar that a metadata filter compares a top-level metadata value with. */
export type MetadataScalar = string | number | boolean | null;

export interface Memory {
  id: string;
  content: string;
  /** Name of the context the memory belongs to. */
  context: string;
  /** Lower-case tags, sorted. */
  tags: string[];
  metadata: Metadata;
  source: MemorySource;
  /** Id of the user who wrote the current version. */
  authorId: string;
  /** ISO 8601 timestamps in UTC with milliseconds. */
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  /** Starts at 1 and grows by one with every update. */
  version: number;
}

export const revisionOperations = ['create', 'update', 'delete'] as const;
export type RevisionOperation = (typeof revisionOperations)[number];

/** The state of a memory after one change, kept even when the memory is deleted. */
export interface Revision {
  memoryId: string;
  version: number;
  operation: RevisionOperation;
  content: string;
  context: string;
  tags: string[];
  metadata: Metadata;
  authorId: string;
  createdAt: string;
}

export interface SearchHit extends Memory {
  /** Relevance: higher is better; comparable only within one result list. */
  score: number;
  /** One-line excerpt with the matched words wrapped in `**`. */
  snippet: string;
}

export interface ContextSummary {
  name: string;
  memoryCount: number;
  createdAt: string;
  /** Time of the latest change to a memory in the context, or null when it is empty. */
  lastUpdatedAt: string | null;
  owner: ContextOwner;
  permission: ContextPermission;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

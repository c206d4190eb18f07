import { Mem0Error } from './errors.js';
import { newId, parseId } from './ids.js';
import type { ContextSummary, Memory, Page, Revision, SearchHit } from './model.js';
import { parseQuery } from './query.js';
import { contentHash, searchText } from './text.js';
import {
  exportRequestSchema,
  type ImportRecord,
  importRecordSchema,
  listRequestSchema,
  memoryPatchSchema,
  newContextSchema,
  newMemorySchema,
  parseInput,
  searchRequestSchema,
} from './schemas.js';
import type { AddResult, MemoryStore } from './store.js';

// The use cases: each validates what a user sent, then calls the store. Commands, routes and
// tools call these, never the store methods directly.

export async function addMemory(store: MemoryStore, input: unknown): Promise<AddResult> {
  const memory = parseInput(newMemorySchema, input);
  checkFutureExpiry(memory.expiresAt);
  return store.add(memory);
}

export async function getMemory(store: MemoryStore, id: string): Promise<Memory> {
  return store.get(parseId(id));
}

export async function listMemories(store: MemoryStore, input: unknown): Promise<Page<Memory>> {
  return store.list(checkTimeRange(parseInput(listRequestSchema, input)));
}

export async function updateMemory(
  store: MemoryStore,
  id: string,
  patch: unknown,
): Promise<Memory> {
  const memoryId = parseId(id);
  const parsed = parseInput(memoryPatchSchema, patch);
  checkFutureExpiry(parsed.expiresAt);
  return store.update(memoryId, parsed);
}

/** An expiry set by a user must lie ahead: a memory that expired on arrival would vanish. */
function checkFutureExpiry(expiresAt: string | null | undefined): void {
  if (expiresAt && Date.parse(expiresAt) <= Date.now()) {
    throw new Mem0Error(
      'validation_failed',
      `Invalid input: expiresAt ${expiresAt} is in the past. Give a future time, or delete the memory instead.`,
    );
  }
}

export async function deleteMemory(store: MemoryStore, id: string): Promise<Memory> {
  return store.delete(parseId(id));
}

export async function memoryHistory(store: MemoryStore, id: string): Promise<Revision[]> {
  return store.history(parseId(id));
}

export async function searchMemories(store: MemoryStore, input: unknown): Promise<Page<SearchHit>> {
  const request = checkTimeRange(parseInput(searchRequestSchema, input));

  // Reject a blank or over-long query before the store sees it.
  parseQuery(request.query);
  return store.search(request);
}

export async function listContexts(store: MemoryStore): Promise<ContextSummary[]> {
  return store.contexts();
}

/** Create an empty context, so that it is listed before its first memory. */
export async function createContext(store: MemoryStore, input: unknown): Promise<ContextSummary> {
  const { name } = parseInput(newContextSchema, input);
  return store.createContext(name);
}

function checkTimeRange<T extends { createdAfter?: string; createdBefore?: string }>(
  request: T,
): T {
  if (
    request.createdAfter &&
    request.createdBefore &&
    request.createdAfter > request.createdBefore
  ) {
    throw new Mem0Error(
      'invalid_argument',
      `The time range is empty: it starts at ${request.createdAfter}, after its end at ${request.createdBefore}.`,
    );
  }
  return request;
}

export interface ImportProgress {
  /** Lines read so far, blank lines included. */
  lines: number;
  added: number;
  duplicate: number;
  rejected: number;
}

export interface ImportReject {
  line: number;
  reason: string;
}

export interface ImportSummary extends ImportProgress {
  /** The first rejected lines with their reasons, at most `maxRejectsReported`. */
  rejects: ImportReject[];
}

export interface ImportOptions {
  /** Records per transaction. */
  batchSize?: number;
  /** Called after each batch is stored. */
  onProgress?: (progress: ImportProgress) => void;
  /**
   * Parse and validate a batch of lines. The default runs `prepareImportLines` inline; a caller
   * can run it on worker threads instead, so that parsing and tokenizing the next batches
   * overlap with the store writing the current one.
   */
  prepare?: (lines: string[], now: number) => Promise<PreparedLine[]>;
  /** Batches being prepared ahead of the one being stored. */
  prepareAhead?: number;
  now?: () => number;
}

/** One import line after parsing: a record ready for the store, or why it was rejected. */
export type PreparedLine = { record: ImportRecord } | { error: string };

export const maxRejectsReported = 1_000;

/**
 * Import JSON Lines: one memory per line, in the format `exportMemories` writes. Each batch is
 * stored in one transaction. A line whose id or content already exists in its context counts
 * as a duplicate and changes nothing, so importing the same file twice adds nothing the second
 * time. Lines that are not valid JSON or break a rule are rejected with their line number and
 * do not stop the import.
 */
export async function importMemories(
  store: MemoryStore,
  lines: AsyncIterable<string>,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 5_000;
  const now = options.now ?? Date.now;
  const prepare =
    options.prepare ?? (async (batch: string[], time: number) => prepareImportLines(batch, time));
  const ahead = options.prepareAhead ?? 0;
  const summary: ImportSummary = { lines: 0, added: 0, duplicate: 0, rejected: 0, rejects: [] };

  const reject = (line: number, reason: string) => {
    summary.rejected++;
    if (summary.rejects.length < maxRejectsReported) {
      summary.rejects.push({ line, reason });
    }
  };

  // Batches are stored strictly in order, so outcomes and reject line numbers stay in order.
  const inFlight: { lineNumbers: number[]; prepared: Promise<PreparedLine[]> }[] = [];
  const storeOldest = async () => {
    const batch = inFlight.shift()!;
    const prepared = await batch.prepared;

    const records: ImportRecord[] = [];
    const recordLines: number[] = [];
    prepared.forEach((line, index) => {
      if ('error' in line) {
        reject(batch.lineNumbers[index]!, line.error);
      } else {
        records.push(line.record);
        recordLines.push(batch.lineNumbers[index]!);
      }
    });

    const outcomes = records.length > 0 ? await store.importBatch(records) : [];
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'rejected') {
        reject(recordLines[index]!, outcome.reason);
      } else {
        summary[outcome.status]++;
      }
    });
    options.onProgress?.({
      lines: summary.lines,
      added: summary.added,
      duplicate: summary.duplicate,
      rejected: summary.rejected,
    });
  };

  let texts: string[] = [];
  let lineNumbers: number[] = [];
  const dispatch = async () => {
    if (texts.length > 0) {
      const prepared = prepare(texts, now());
      // Keep a rejection from surfacing as unhandled before its turn comes to be awaited.
      prepared.catch(() => undefined);
      inFlight.push({ lineNumbers, prepared });
      texts = [];
      lineNumbers = [];
    }
    while (inFlight.length > ahead) {
      await storeOldest();
    }
  };

  for await (const line of lines) {
    summary.lines++;
    if (line.trim().length === 0) {
      continue;
    }
    texts.push(line);
    lineNumbers.push(summary.lines);
    if (texts.length >= batchSize) {
      await dispatch();
    }
  }
  await dispatch();
  while (inFlight.length > 0) {
    await storeOldest();
  }
  return summary;
}

/**
 * Parse, validate and derive the index fields of a batch of import lines. Pure and
 * self-contained, so that it can run on a worker thread.
 */
export function prepareImportLines(lines: string[], now: number): PreparedLine[] {
  return lines.map((line) => {
    try {
      const record = parseImportLine(line, now);
      record.derived = {
        contentHash: contentHash(record.content),
        searchText: searchText(record.content),
      };
      return { record };
    } catch (error) {
      return { error: error instanceof Mem0Error ? error.message : String(error) };
    }
  });
}

// Tolerance for imported creation times ahead of this machine's clock, for files written on a
// machine whose clock runs fast.
const maxClockSkewMs = 24 * 3_600_000;

/** Parse and validate one import line into a record with every default filled in. */
export function parseImportLine(line: string, now: number = Date.now()): ImportRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Mem0Error(
      'validation_failed',
      'Not valid JSON: each line must hold one JSON object.',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Mem0Error(
      'validation_failed',
      'Not a JSON object: each line must hold one memory object.',
    );
  }

  const record = parseInput(importRecordSchema, value);
  if (record.createdAt !== undefined && Date.parse(record.createdAt) > now + maxClockSkewMs) {
    throw new Mem0Error(
      'validation_failed',
      `Invalid input: createdAt ${record.createdAt} is more than a day ahead of this clock. Give the time the memory was written.`,
    );
  }
  const createdAt = record.createdAt ?? new Date(now).toISOString();
  return {
    ...record,
    id: record.id === undefined ? newId(Date.parse(createdAt)) : parseId(record.id),
    createdAt,
    updatedAt: record.updatedAt ?? createdAt,
  };
}

/** Serialize a memory as one import line: the fields that `importMemories` reads back. */
export function toImportLine(memory: Memory): string {
  return JSON.stringify({
    id: memory.id,
    content: memory.content,
    context: memory.context,
    tags: memory.tags,
    metadata: memory.metadata,
    source: memory.source,
    createdAt: memory.createdAt,
    updatedAt: memory.updatedAt,
    expiresAt: memory.expiresAt,
  });
}

/** Every memory matching the filter as import lines, oldest first, from one snapshot. */
export async function* exportMemories(
  store: MemoryStore,
  filter: unknown = {},
): AsyncIterable<string> {
  const parsed = parseInput(exportRequestSchema, filter);
  for await (const memory of store.exportMemories(parsed)) {
    yield toImportLine(memory);
  }
}

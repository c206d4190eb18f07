import type { ContextSummary, Memory, Page, Revision, SearchHit } from './model.js';
import type {
  ImportRecord,
  ListRequest,
  MemoryFilter,
  MemoryPatch,
  NewMemory,
  SearchRequest,
} from './schemas.js';

export interface AddResult {
  memory: Memory;
  /** False when an equal memory already existed in the context and was returned instead. */
  created: boolean;
}

export type ImportOutcome =
  | { status: 'added'; id: string }
  | { status: 'duplicate'; id: string }
  | { status: 'rejected'; reason: string };

/**
 * Where memories live. The local SQLite store and the HTTP client of the team API both
 * implement it, so commands and tools never depend on which one they hold. A store is bound to
 * one acting user when it is opened; it sees and changes only what that user may.
 *
 * Inputs are already validated by the schemas; use the functions in `use-cases` rather than
 * calling a store directly.
 */
export interface MemoryStore {
  add(input: NewMemory): Promise<AddResult>;
  /** Rejects with `not_found` when the memory does not exist or is not visible. */
  get(id: string): Promise<Memory>;
  list(request: ListRequest): Promise<Page<Memory>>;
  update(id: string, patch: MemoryPatch): Promise<Memory>;
  /** Returns the deleted memory as it was. */
  delete(id: string): Promise<Memory>;
  /** Every revision of a memory, oldest first, including those of a deleted memory. */
  history(id: string): Promise<Revision[]>;
  search(request: SearchRequest): Promise<Page<SearchHit>>;
  contexts(): Promise<ContextSummary[]>;
  /** Create an empty context; rejects with `conflict` when the user already has one of that name. */
  createContext(name: string): Promise<ContextSummary>;
  /** Store a batch of records in one transaction; the outcomes follow the records' order. */
  importBatch(records: ImportRecord[]): Promise<ImportOutcome[]>;
  /** Every memory matching the filter, oldest first, read from one consistent snapshot. */
  exportMemories(filter: MemoryFilter): AsyncIterable<Memory>;
  close(): Promise<void>;
}

import type {
  AddResult,
  ContextSummary,
  ImportOutcome,
  ImportRecord,
  ListRequest,
  Memory,
  MemoryFilter,
  MemoryPatch,
  MemoryStore,
  NewMemory,
  Page,
  Revision,
  SearchHit,
  SearchRequest,
} from '@memzero/core';

import { openStore, shareStore } from '../store.js';

/**
 * The store of one shell session. It passes every call to the store it wraps, and additionally
 * keeps the result of the last search (for the pick prompt that follows a search) and the
 * context names for completion, which it reads again after any write.
 */
export class SessionStore implements MemoryStore {
  /** The last search result page, or undefined when no search has run since `forgetSearch`. */
  lastSearch: Page<SearchHit> | undefined;
  private contextNamesCache: string[] | undefined;

  constructor(private readonly inner: MemoryStore) {}

  /** Return the context names, which are read from the store on first use and after each write. */
  async contextNames(): Promise<string[]> {
    this.contextNamesCache ??= (await this.inner.contexts()).map((context) => context.name);
    return this.contextNamesCache;
  }

  forgetSearch(): void {
    this.lastSearch = undefined;
  }

  async add(input: NewMemory): Promise<AddResult> {
    return this.afterWrite(await this.inner.add(input));
  }

  get(id: string): Promise<Memory> {
    return this.inner.get(id);
  }

  list(request: ListRequest): Promise<Page<Memory>> {
    return this.inner.list(request);
  }

  async update(id: string, patch: MemoryPatch): Promise<Memory> {
    return this.afterWrite(await this.inner.update(id, patch));
  }

  async delete(id: string): Promise<Memory> {
    return this.afterWrite(await this.inner.delete(id));
  }

  history(id: string): Promise<Revision[]> {
    return this.inner.history(id);
  }

  async search(request: SearchRequest): Promise<Page<SearchHit>> {
    this.lastSearch = await this.inner.search(request);
    return this.lastSearch;
  }

  async contexts(): Promise<ContextSummary[]> {
    const summaries = await this.inner.contexts();
    this.contextNamesCache = summaries.map((context) => context.name);
    return summaries;
  }

  async createContext(name: string): Promise<ContextSummary> {
    return this.afterWrite(await this.inner.createContext(name));
  }

  async importBatch(records: ImportRecord[]): Promise<ImportOutcome[]> {
    return this.afterWrite(await this.inner.importBatch(records));
  }

  exportMemories(filter: MemoryFilter): AsyncIterable<Memory> {
    return this.inner.exportMemories(filter);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private afterWrite<T>(result: T): T {
    // A write may have created or emptied a context; read the names again when next needed.
    this.contextNamesCache = undefined;
    return result;
  }
}

/**
 * The store of the session as the commands see it: opened once, shared through `shareStore`
 * so that `withStore` reuses it, and opened again when a command changes the active profile.
 */
export class SharedSessionStore {
  current: SessionStore | undefined;
  private unshare: (() => void) | undefined;

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Open the store that `env` selects now; on failure no store is shared and this throws. */
  async open(): Promise<void> {
    await this.close();
    const store = new SessionStore(await openStore(this.env));
    this.current = store;
    this.unshare = shareStore(this.env, store);
  }

  async close(): Promise<void> {
    this.unshare?.();
    this.unshare = undefined;
    const store = this.current;
    this.current = undefined;
    await store?.close();
  }
}

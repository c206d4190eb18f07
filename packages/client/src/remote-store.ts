import {
  type AddResult,
  type ContextSummary,
  type ImportOutcome,
  type ImportRecord,
  type ListRequest,
  Mem0Error,
  type Memory,
  type MemoryFilter,
  type MemoryPatch,
  type MemoryStore,
  type NewMemory,
  type Page,
  type Revision,
  type SearchHit,
  type SearchRequest,
} from '@memzero/core';

import type { ApiClient, RequestSpec } from './api-client.js';
import { isTimeout, unreachableError } from './errors.js';

/** Records per bulk import request: the server accepts at most 1,000. */
export const maxImportRecordsPerRequest = 1_000;

/**
 * Bytes of JSON per bulk import request. The server's default body limit is 1 MiB; a batch
 * larger than this is split, and a batch the server still rejects with 413 is split again.
 */
export const maxImportBytesPerRequest = 768 * 1024;

export interface RemoteStoreOptions {
  /** Overrides `maxImportBytesPerRequest`, for servers with another body limit. */
  maxImportBytes?: number;
}

/** Add the filters of list, search and export to a query string, as the list route reads them. */
function filterQuery(filter: MemoryFilter, query = new URLSearchParams()): URLSearchParams {
  if (filter.context !== undefined) {
    query.set('context', filter.context);
  }
  for (const tag of filter.tags ?? []) {
    query.append('tag', tag);
  }
  if (filter.metadata !== undefined && Object.keys(filter.metadata).length > 0) {
    query.set('metadata', JSON.stringify(filter.metadata));
  }
  if (filter.createdAfter !== undefined) {
    query.set('createdAfter', filter.createdAfter);
  }
  if (filter.createdBefore !== undefined) {
    query.set('createdBefore', filter.createdBefore);
  }
  return query;
}

/** Strip the fields that a local store derives, which the bulk import route does not read. */
function wireRecord(record: ImportRecord): Omit<ImportRecord, 'derived'> {
  const { derived: _derived, ...fields } = record;
  return fields;
}

/**
 * Split records into batches of at most `maxImportRecordsPerRequest` records and about
 * `maxBytes` of JSON each; a record larger than `maxBytes` travels alone.
 */
function importBatches(records: ImportRecord[], maxBytes: number): ImportRecord[][] {
  const batches: ImportRecord[][] = [];
  let current: ImportRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = Buffer.byteLength(JSON.stringify(wireRecord(record)), 'utf8') + 1;
    const full = current.length >= maxImportRecordsPerRequest || bytes + size > maxBytes;
    if (full && current.length > 0) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) {
    batches.push(current);
  }
  return batches;
}

/** Aborts when no data arrived for `ms` milliseconds; `restart` re-arms it with a new signal. */
class IdleTimeout {
  private controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  restart(): AbortSignal {
    this.clear();
    if (this.controller.signal.aborted) {
      this.controller = new AbortController();
    }
    const controller = this.controller;
    this.timer = setTimeout(() => {
      controller.abort(new DOMException('No data arrived in time.', 'TimeoutError'));
    }, this.ms);
    return controller.signal;
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/**
 * The memory store of a team server, over its HTTP API. Every method maps to one route under
 * `/v1`, so commands behave the same on a local database and on a server.
 */
export class RemoteStore implements MemoryStore {
  private closed = false;
  private readonly maxImportBytes: number;

  constructor(
    private readonly client: ApiClient,
    options: RemoteStoreOptions = {},
  ) {
    this.maxImportBytes = options.maxImportBytes ?? maxImportBytesPerRequest;
  }

  async add(input: NewMemory): Promise<AddResult> {
    // Never retried after a lost response or a 503: the memory may already be stored.
    const { created, ...memory } = await this.call<Memory & { created: boolean }>({
      method: 'POST',
      path: '/v1/memories',
      body: input,
      idempotent: false,
    });
    return { memory, created };
  }

  async get(id: string): Promise<Memory> {
    return this.call<Memory>({ method: 'GET', path: memoryPath(id), idempotent: true });
  }

  async list(request: ListRequest): Promise<Page<Memory>> {
    const query = filterQuery(request);
    query.set('limit', String(request.limit));
    if (request.cursor !== undefined) {
      query.set('cursor', request.cursor);
    }
    return this.call<Page<Memory>>({
      method: 'GET',
      path: '/v1/memories',
      query,
      idempotent: true,
    });
  }

  async update(id: string, patch: MemoryPatch): Promise<Memory> {
    return this.call<Memory>({
      method: 'PATCH',
      path: memoryPath(id),
      body: patch,
      idempotent: false,
    });
  }

  /**
   * Delete a memory and return it as it was. The route returns no body, so the memory is read
   * first. A change made by someone else between the two requests is not in the result.
   */
  async delete(id: string): Promise<Memory> {
    const memory = await this.get(id);
    try {
      await this.call<void>({ method: 'DELETE', path: memoryPath(id), idempotent: true });
    } catch (error) {
      // The memory is gone either way: a retried request whose first attempt went through, or
      // a delete by another client between the two requests, finds it missing.
      if (error instanceof Mem0Error && error.code === 'not_found') {
        return memory;
      }
      throw error;
    }
    return memory;
  }

  async history(id: string): Promise<Revision[]> {
    const page = await this.call<Page<Revision>>({
      method: 'GET',
      path: `${memoryPath(id)}/history`,
      idempotent: true,
    });
    return page.items;
  }

  async search(request: SearchRequest): Promise<Page<SearchHit>> {
    // A search changes nothing, so it is safe to retry although it is a POST.
    return this.call<Page<SearchHit>>({
      method: 'POST',
      path: '/v1/search',
      body: request,
      idempotent: true,
    });
  }

  async contexts(): Promise<ContextSummary[]> {
    const page = await this.call<Page<ContextSummary>>({
      method: 'GET',
      path: '/v1/contexts',
      idempotent: true,
    });
    return page.items;
  }

  async createContext(name: string): Promise<ContextSummary> {
    return this.call<ContextSummary>({
      method: 'POST',
      path: '/v1/contexts',
      body: { name },
      idempotent: false,
    });
  }

  /**
   * Store records with their ids through `POST /v1/memories/import`, in as many requests as
   * the server's limits need; each request is one transaction on the server. The route is
   * idempotent (a record sent twice is a duplicate the second time), so requests are retried.
   */
  async importBatch(records: ImportRecord[]): Promise<ImportOutcome[]> {
    const outcomes: ImportOutcome[] = [];
    for (const batch of importBatches(records, this.maxImportBytes)) {
      outcomes.push(...(await this.importSplitting(batch)));
    }
    return outcomes;
  }

  /**
   * Stream every memory matching the filter, oldest first, from `GET /v1/memories/export`. The server
   * reads them in one database snapshot and streams them as JSON Lines, so the result is one
   * consistent view however long the walk takes. The timeout applies to each wait for data,
   * not to the whole export.
   */
  async *exportMemories(filter: MemoryFilter): AsyncIterable<Memory> {
    this.checkOpen();
    const idle = new IdleTimeout(this.client.timeoutMs);
    try {
      const response = await this.client.request({
        method: 'GET',
        path: '/v1/memories/export',
        query: filterQuery(filter),
        idempotent: true,
        signal: () => idle.restart(),
      });
      if (response.body === null) {
        return;
      }

      const decoder = new TextDecoder();
      let buffered = '';
      try {
        for await (const chunk of response.body) {
          idle.restart();
          buffered += decoder.decode(chunk as Uint8Array, { stream: true });
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) {
            if (line.trim() !== '') {
              yield JSON.parse(line) as Memory;
            }
          }
        }
      } catch (error) {
        throw this.exportInterrupted(error);
      }
      buffered += decoder.decode();
      if (buffered.trim() !== '') {
        yield JSON.parse(buffered) as Memory;
      }
    } finally {
      idle.clear();
    }
  }

  /** Later calls fail with a clear error; requests already in flight go on. */
  async close(): Promise<void> {
    this.closed = true;
  }

  private async importSplitting(batch: ImportRecord[]): Promise<ImportOutcome[]> {
    try {
      const { outcomes } = await this.call<{ outcomes: ImportOutcome[] }>({
        method: 'POST',
        path: '/v1/memories/import',
        body: { records: batch.map(wireRecord) },
        idempotent: true,
      });
      return outcomes;
    } catch (error) {
      const tooLarge = error instanceof Mem0Error && error.code === 'payload_too_large';
      if (!tooLarge) {
        throw error;
      }
      if (batch.length === 1) {
        return [{ status: 'rejected', reason: error.message }];
      }
      const half = Math.ceil(batch.length / 2);
      return [
        ...(await this.importSplitting(batch.slice(0, half))),
        ...(await this.importSplitting(batch.slice(half))),
      ];
    }
  }

  private exportInterrupted(error: unknown): Mem0Error {
    if (isTimeout(error)) {
      return unreachableError(this.client.server, error, this.client.timeoutMs);
    }
    return new Mem0Error(
      'store_unavailable',
      `The export from the mem0 server at ${this.client.server} was cut off before its end. Run it again.`,
      { cause: error },
    );
  }

  private async call<T>(spec: RequestSpec): Promise<T> {
    this.checkOpen();
    return this.client.requestJson<T>(spec);
  }

  private checkOpen(): void {
    if (this.closed) {
      throw new Mem0Error(
        'internal',
        `This store of the mem0 server at ${this.client.server} is closed. Open a new one to send more requests.`,
      );
    }
  }
}

function memoryPath(id: string): string {
  return `/v1/memories/${encodeURIComponent(id)}`;
}

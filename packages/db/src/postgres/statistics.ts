import type { Pool, PoolClient } from 'pg';

/** Totals that BM25 needs: how many memories there are and how many words they hold. */
export interface SearchTotals {
  memories: number;
  words: number;
}

// Other processes writing to the same database change the totals too; they are read again
// from the table after this long. The store's own writes are added as they commit.
const refreshAfterMs = 30_000;

/**
 * The totals for BM25 across all memories, shared by every store on one pool. Counting the
 * whole table for each search would cost more than the search. So the count is read once and
 * kept up to date with the changes this process commits. It is read again every 30 seconds to
 * take in the changes of other server processes.
 */
export class SearchStatistics {
  private totals: SearchTotals | undefined;
  private loadedAt = 0;
  private loading: Promise<SearchTotals> | undefined;
  private readonly changes = new Map<PoolClient, SearchTotals>();

  /** Return the totals, reading them from the database when they are missing or old. */
  async current(pool: Pick<Pool, 'query'>): Promise<SearchTotals> {
    if (this.totals && Date.now() - this.loadedAt < refreshAfterMs) {
      return this.totals;
    }
    this.loading ??= this.load(pool).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** Note a change made in the open transaction of `client`. */
  pending(client: PoolClient, memories: number, words: number): void {
    const change = this.changes.get(client) ?? { memories: 0, words: 0 };
    change.memories += memories;
    change.words += words;
    this.changes.set(client, change);
  }

  /** Apply the changes of a transaction that committed. */
  commit(client: PoolClient): void {
    const change = this.changes.get(client);
    this.changes.delete(client);
    if (change && this.totals) {
      this.totals = {
        memories: this.totals.memories + change.memories,
        words: this.totals.words + change.words,
      };
    }
  }

  /** Forget the changes of a transaction that rolled back. */
  discard(client: PoolClient): void {
    this.changes.delete(client);
  }

  private async load(pool: Pick<Pool, 'query'>): Promise<SearchTotals> {
    const { rows } = await pool.query<{ memories: string; words: string }>(
      'SELECT count(*) AS memories, coalesce(sum(word_count), 0) AS words FROM memories',
    );
    this.totals = { memories: Number(rows[0]!.memories), words: Number(rows[0]!.words) };
    this.loadedAt = Date.now();
    return this.totals;
  }
}

import type { Pool } from 'pg';

import type { ParsedQuery } from '@memzero/core';

import { commonThreshold, needsPrefixCount, type PlannedTerm, planTerms } from '../search/plan.js';
import { quoteLexeme } from './sql.js';
import type { SearchTotals } from './statistics.js';

/** How to run one search against the tsvector index. */
export interface PostgresSearchPlan {
  terms: PlannedTerm[];
  order: 'rank' | 'recency';
  /** The tsquery literal: the terms joined with `|` to rank, with `&` for recency. */
  tsquery: string;
  /** BM25 inverse document frequency of each term, in the order of `terms`. */
  idf: number[];
  averageWords: number;
}

/**
 * Plan a search with the same rules as the SQLite store (see `planTerms`). The memories
 * containing each word are counted up to the common threshold in one round trip, each count
 * a GIN index lookup that stops at the threshold.
 */
export async function planPostgresSearch(
  pool: Pick<Pool, 'query'>,
  query: ParsedQuery,
  totals: SearchTotals,
): Promise<PostgresSearchPlan | undefined> {
  const commonAbove = commonThreshold(totals.memories);
  const cap = commonAbove + 1;

  const exact = await countUpTo(
    pool,
    query.terms.map((term) => lexemeQuery(term, false)),
    cap,
  );
  const prefix = needsPrefixCount(query, exact, commonAbove)
    ? (await countUpTo(pool, [lexemeQuery(query.terms.at(-1)!, true)], cap))[0]
    : undefined;

  const plan = planTerms(query, { exact, prefix }, commonAbove);
  if (plan === undefined) {
    return undefined;
  }

  const literals = plan.terms.map((term) => lexemeQuery(term.term, term.prefix));
  return {
    ...plan,
    tsquery: literals.join(plan.order === 'rank' ? ' | ' : ' & '),
    idf: plan.terms.map((term) => inverseDocumentFrequency(totals.memories, term.documents)),
    averageWords: totals.memories > 0 ? Math.max(totals.words / totals.memories, 1e-9) : 1,
  };
}

/** FTS5's BM25 idf, including its floor for words in more than half of all memories. */
function inverseDocumentFrequency(memories: number, documents: number): number {
  const idf = Math.log((memories - documents + 0.5) / (documents + 0.5));
  return idf > 0 ? idf : 1e-6;
}

function lexemeQuery(term: string, prefix: boolean): string {
  return prefix ? `${quoteLexeme(term)}:*` : quoteLexeme(term);
}

/** Count the memories matching each tsquery, stopping at `cap`. */
async function countUpTo(
  pool: Pick<Pool, 'query'>,
  queries: string[],
  cap: number,
): Promise<number[]> {
  const { rows } = await pool.query<{ documents: number }>(
    `SELECT (SELECT count(*)::int FROM (
               SELECT 1 FROM memories WHERE search_vector @@ q.query::tsquery LIMIT $2
             ) AS hits) AS documents
     FROM unnest($1::text[]) WITH ORDINALITY AS q(query, position)
     ORDER BY q.position`,
    [queries, cap],
  );
  return rows.map((row) => row.documents);
}

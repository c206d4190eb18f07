import type Database from 'better-sqlite3';

import type { ParsedQuery } from '@memzero/core';

import { commonThreshold, needsPrefixCount, planTerms, type PlannedTerm } from '../search/plan.js';

/** How to run one search against the FTS5 index. */
export interface SearchPlan {
  /** The FTS5 MATCH expression; every term is a quoted string, so nothing is query syntax. */
  match: string;
  /** `rank` orders by BM25; `recency` by newest first, for queries of only common words. */
  order: 'rank' | 'recency';
}

/**
 * Plan a search on the FTS5 index (see `planTerms` for the rules). The number of memories
 * containing a word is counted up to the common threshold only, with a MATCH query that stops
 * there, so that a common word costs no more to count than a rare one. The number of memories
 * is estimated from the highest seq handed out.
 */
export function planSearch(db: Database.Database, query: ParsedQuery): SearchPlan | undefined {
  const commonAbove = commonThreshold(estimatedMemoryCount(db));
  const count = (literal: string) => countUpTo(db, literal, commonAbove + 1);

  const exact = query.terms.map((term) => count(quote(term, false)));
  const prefix = needsPrefixCount(query, exact, commonAbove)
    ? count(quote(query.terms.at(-1)!, true))
    : undefined;

  const plan = planTerms(query, { exact, prefix }, commonAbove);
  if (plan === undefined) {
    return undefined;
  }
  const literals = plan.terms.map((term: PlannedTerm) => quote(term.term, term.prefix));
  return {
    match: literals.join(plan.order === 'rank' ? ' OR ' : ' AND '),
    order: plan.order,
  };
}

function quote(term: string, prefix: boolean): string {
  // Terms hold only letters, digits and marks; doubling quotes is a second guard.
  const literal = `"${term.replaceAll('"', '""')}"`;
  return prefix ? `${literal}*` : literal;
}

/** Count the memories that match an FTS5 expression, stopping at `cap`. */
function countUpTo(db: Database.Database, match: string, cap: number): number {
  return db
    .prepare('SELECT count(*) FROM (SELECT 1 FROM memories_fts WHERE memories_fts MATCH ? LIMIT ?)')
    .pluck()
    .get(match, Math.ceil(cap)) as number;
}

function estimatedMemoryCount(db: Database.Database): number {
  const last = db
    .prepare("SELECT seq FROM sqlite_sequence WHERE name = 'memories'")
    .pluck()
    .get() as number | undefined;
  return last ?? 0;
}

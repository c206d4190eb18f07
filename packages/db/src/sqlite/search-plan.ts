import type Database from 'better-sqlite3';

import type { ParsedQuery } from '@memzero/core';

/** How to run one search against the FTS5 index. */
export interface SearchPlan {
  /** The FTS5 MATCH expression; every term is a quoted string, so nothing is query syntax. */
  match: string;
  /** `rank` orders by BM25; `recency` by newest first, for queries of only common words. */
  order: 'rank' | 'recency';
}

// A word is common when more than this share of all memories contain it, and more than
// `commonMinDocuments` of them: BM25 gives such words almost no weight, yet ranking every
// memory that contains them is what makes a search slow. The floor keeps every word ranked in
// small stores, where ranking is cheap.
const commonShare = 0.05;
const commonMinDocuments = 1_000;

// Ranking cost grows with the memories matched. Distinctive words are used rarest first until
// together they match about this many (the rarest one is always used).
const rankBudgetDocuments = 5_000;

/**
 * Decide which words of a query to match and how to order the results:
 *
 * - words that no memory contains are left out;
 * - when some words are not common, the rarest of them are matched (any of them) and the
 *   results ranked by BM25;
 * - when every word is common, the results are the newest memories that contain all of them;
 * - the prefix form of the last word is dropped for the exact word when either is common
 *   (`the*` would add `them`, `there` and hundreds more).
 *
 * The number of memories containing a word is counted up to the common threshold only, with a
 * MATCH query that stops there, so that a common word costs no more to count than a rare one.
 * The number of memories is estimated from the highest seq handed out.
 */
export function planSearch(db: Database.Database, query: ParsedQuery): SearchPlan | undefined {
  const commonAbove = Math.max(commonMinDocuments, estimatedMemoryCount(db) * commonShare);
  const count = (literal: string) => countUpTo(db, literal, commonAbove + 1);
  const last = query.terms.length - 1;

  const terms = query.terms.map((term, index) => {
    const exact = { literal: quote(term, false), documents: count(quote(term, false)) };
    if (!query.prefixLast || index !== last || exact.documents > commonAbove) {
      return exact;
    }
    // FTS5 merges the lists of every word with the prefix before it can stop, so a prefix is
    // counted only when the word itself is not common.
    const prefix = { literal: quote(term, true), documents: count(quote(term, true)) };
    return prefix.documents <= commonAbove || exact.documents === 0 ? prefix : exact;
  });
  const present = terms.filter((term) => term.documents > 0);
  if (present.length === 0) {
    return undefined;
  }

  const distinctive = present
    .filter((term) => term.documents <= commonAbove)
    .sort((a, b) => a.documents - b.documents);
  if (distinctive.length === 0) {
    return { match: present.map((term) => term.literal).join(' AND '), order: 'recency' };
  }

  const chosen = [distinctive[0]!];
  let documents = distinctive[0]!.documents;
  for (const term of distinctive.slice(1)) {
    if (documents + term.documents > rankBudgetDocuments) {
      break;
    }
    chosen.push(term);
    documents += term.documents;
  }
  return { match: chosen.map((term) => term.literal).join(' OR '), order: 'rank' };
}

function quote(term: string, prefix: boolean): string {
  // Terms hold only letters, digits and marks; doubling quotes is a second guard.
  const literal = `"${term.replaceAll('"', '""')}"`;
  return prefix ? `${literal}*` : literal;
}

/** How many memories match an FTS5 expression, counting no further than `cap`. */
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

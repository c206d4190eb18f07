import type { ParsedQuery } from '@memzero/core';

/** One word of a query as it will be matched. */
export interface PlannedTerm {
  term: string;
  /** Match every word that starts with `term`. */
  prefix: boolean;
  /** Memories that contain the term, counted up to the common threshold. */
  documents: number;
}

/** Which words of a query to match, and how to order the memories that match. */
export interface TermPlan {
  terms: PlannedTerm[];
  /**
   * `rank`: memories containing any of the terms, best BM25 score first. `recency`: memories
   * containing all of the terms, newest first; used when every word is common.
   */
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

/** Return the number of memories above which a word counts as common. */
export function commonThreshold(memoryCount: number): number {
  return Math.ceil(Math.max(commonMinDocuments, memoryCount * commonShare));
}

/**
 * Counts the memories that contain a term, stopping at `cap`. Each backend supplies one that
 * runs against its own index; both planners below take the counts and decide the same way.
 */
export interface TermCounts {
  /** Memories containing each term of the query as a whole word, in query order. */
  exact: number[];
  /** Memories containing a word that starts with the last term, when it was counted. */
  prefix?: number;
}

/**
 * Tell whether the prefix form of the last term needs counting. The backend's index merges
 * the lists of every word with the prefix before it can stop, so a prefix is counted only when
 * the word itself is not common (`the*` would add `them`, `there` and hundreds more).
 */
export function needsPrefixCount(
  query: ParsedQuery,
  exact: number[],
  commonAbove: number,
): boolean {
  const last = exact.at(-1);
  return query.prefixLast && last !== undefined && last <= commonAbove;
}

/**
 * Decide which words of a query to match and how to order the results:
 *
 * - words that no memory contains are left out;
 * - when some words are not common, the rarest of them are matched (any of them) and the
 *   results ranked by BM25;
 * - when every word is common, the results are the newest memories that contain all of them;
 * - the last word is matched as a prefix when the query asks for it and the prefix is not
 *   common, or when only the prefix matches anything.
 *
 * Returns undefined when nothing can match.
 */
export function planTerms(
  query: ParsedQuery,
  counts: TermCounts,
  commonAbove: number,
): TermPlan | undefined {
  const last = query.terms.length - 1;

  const terms = query.terms.map((term, index): PlannedTerm => {
    const exact = { term, prefix: false, documents: counts.exact[index] ?? 0 };
    if (index !== last || counts.prefix === undefined) {
      return exact;
    }
    const prefix = { term, prefix: true, documents: counts.prefix };
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
    return { terms: present, order: 'recency' };
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
  return { terms: chosen, order: 'rank' };
}

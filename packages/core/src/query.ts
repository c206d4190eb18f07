import { invalidArgument } from './errors.js';
import { limits } from './limits.js';
import { codePointLength, tokenize } from './text.js';

/**
 * A search query reduced to words. Nothing a person types is query syntax: quotes, operators
 * (AND, OR, NOT, NEAR), parentheses, `*` and other punctuation are either separators or plain
 * words, so every non-blank query is valid.
 */
export interface ParsedQuery {
  /** Distinct normalized terms in the order typed, at most `limits.queryMaxTerms`. */
  terms: string[];
  /**
   * Whether the last term also matches words that start with it, so that a query typed up to
   * the middle of a word (`stag`) already finds `staging`.
   */
  prefixLast: boolean;
}

// Prefix matching on very short words would match most of the index and rank nothing well.
const minPrefixChars = 3;
const minPrefixCharsUnspaced = 2;
const unspacedScript =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const pictographic = /^\p{Extended_Pictographic}$/u;

/**
 * Parse what a person typed into terms. Rejects a blank or over-long query; a query without
 * any word (`(`, `*`, `--`) is valid and matches nothing.
 */
export function parseQuery(text: string): ParsedQuery {
  const trimmed = text.trim();

  if (trimmed.length === 0) {
    throw invalidArgument('The search query is empty. Type at least one word to search for.');
  }

  if (codePointLength(trimmed) > limits.queryMaxChars) {
    throw invalidArgument(
      `The search query is longer than ${limits.queryMaxChars} characters. Shorten it.`,
    );
  }

  const tokens = tokenize(trimmed);
  const terms: string[] = [];
  for (const token of tokens) {
    if (terms.length === limits.queryMaxTerms) {
      break;
    }
    if (!terms.includes(token.term)) {
      terms.push(token.term);
    }
  }

  const lastToken = tokens.at(-1);
  const prefixLast =
    lastToken !== undefined &&
    terms.at(-1) === lastToken.term &&
    lastToken.end === trimmed.length &&
    isPrefixCandidate(lastToken.term);

  return { terms, prefixLast };
}

function isPrefixCandidate(term: string): boolean {
  if (pictographic.test(term)) {
    return false;
  }
  const minimum = unspacedScript.test(term) ? minPrefixCharsUnspaced : minPrefixChars;
  return codePointLength(term) >= minimum;
}

/** Whether an indexed term matches one of the query's terms. */
export function termMatches(term: string, query: ParsedQuery): boolean {
  if (query.terms.includes(term)) {
    return true;
  }
  const last = query.terms.at(-1);
  return query.prefixLast && last !== undefined && term.startsWith(last);
}

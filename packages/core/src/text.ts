import { createHash } from 'node:crypto';

/**
 * One word of a text: the normalized term that the index stores and the query matches, and
 * where the word sits in the original string (UTF-16 offsets, end exclusive).
 */
export interface Token {
  term: string;
  start: number;
  end: number;
}

// A run of letters, digits and combining marks, or one pictographic character (emoji).
const wordRun = /[\p{L}\p{N}\p{M}]+|\p{Extended_Pictographic}/gu;

// Scripts written without spaces between words. Runs containing them are split into words by
// Intl.Segmenter, whose ICU dictionaries know Chinese, Japanese, Thai, Lao, Khmer and Burmese.
const unspacedScript =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

const combiningDiacritics = /[\u0300-\u036f]/g;
const letterOrDigit = /[\p{L}\p{N}\p{M}]+/gu;

let wordSegmenter: Intl.Segmenter | undefined;

/**
 * Fold a word for matching: compatibility forms unified (full-width letters become ASCII),
 * Latin, Greek and Cyrillic accents removed (`café` becomes `cafe`), lower case. Japanese voicing
 * marks are kept because they change the word.
 */
export function normalizeTerm(word: string): string {
  if (isAscii(word)) {
    return word.toLowerCase();
  }
  return word.normalize('NFKD').replace(combiningDiacritics, '').normalize('NFC').toLowerCase();
}

/**
 * Split a text into words with their positions. Index and query use this same function, so a
 * word found in content is found again when typed: punctuation and symbols separate words and
 * never carry meaning, CJK runs are segmented into dictionary words, and each emoji is a word.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];

  for (const match of text.matchAll(wordRun)) {
    const run = match[0];
    const start = match.index;

    if (!unspacedScript.test(run)) {
      pushToken(tokens, run, start);
      continue;
    }

    wordSegmenter ??= new Intl.Segmenter('zh', { granularity: 'word' });
    for (const segment of wordSegmenter.segment(run)) {
      if (!segment.isWordLike) {
        continue;
      }
      // A segment can join letters with punctuation (`a.b`); keep only its letter runs.
      for (const part of segment.segment.matchAll(letterOrDigit)) {
        pushToken(tokens, part[0], start + segment.index + part.index);
      }
    }
  }

  return tokens;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      return false;
    }
  }
  return true;
}

function pushToken(tokens: Token[], word: string, start: number): void {
  const term = normalizeTerm(word);
  if (term.length > 0) {
    tokens.push({ term, start, end: start + word.length });
  }
}

/** The words of a text as the search index stores them: normalized terms separated by spaces. */
export function searchText(content: string): string {
  return tokenize(content)
    .map((token) => token.term)
    .join(' ');
}

/**
 * Normalize content for the duplicate rule: Unicode NFC, trimmed, every run of whitespace
 * collapsed to one space. Case and punctuation still count.
 */
export function normalizeContent(content: string): string {
  return content.normalize('NFC').trim().replace(/\s+/gu, ' ');
}

/** SHA-256 of the normalized content, hex: two memories with the same hash are duplicates. */
export function contentHash(content: string): string {
  return createHash('sha256').update(normalizeContent(content)).digest('hex');
}

/** Length of a string in Unicode code points, the unit of the documented content limits. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
      }
    }
    count++;
  }
  return count;
}

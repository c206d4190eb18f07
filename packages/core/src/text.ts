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
  const runs: { word: string; start: number; unspaced: boolean }[] = [];
  for (const match of text.matchAll(wordRun)) {
    runs.push({ word: match[0], start: match.index, unspaced: unspacedScript.test(match[0]) });
  }

  const segmented = segmentUnspacedRuns(runs);
  const tokens: Token[] = [];
  runs.forEach((run, index) => {
    const words = segmented.get(index);
    if (words === undefined) {
      pushToken(tokens, run.word, run.start);
      return;
    }
    for (const word of words) {
      pushToken(tokens, word.text, word.start);
    }
  });
  return tokens;
}

/**
 * Split the runs written without spaces into dictionary words, keyed by run index. All such
 * runs of a text go to the segmenter in one call, joined by newlines (a hard word break),
 * because each call pays a setup cost several times that of finding a word.
 */
function segmentUnspacedRuns(
  runs: { word: string; start: number; unspaced: boolean }[],
): Map<number, { text: string; start: number }[]> {
  const result = new Map<number, { text: string; start: number }[]>();
  const pending: { index: number; joinedStart: number; end: number; start: number }[] = [];
  let joined = '';
  runs.forEach((run, index) => {
    if (run.unspaced) {
      pending.push({
        index,
        joinedStart: joined.length,
        end: joined.length + run.word.length,
        start: run.start,
      });
      joined += `${run.word}\n`;
      result.set(index, []);
    }
  });
  if (pending.length === 0) {
    return result;
  }

  wordSegmenter ??= new Intl.Segmenter('zh', { granularity: 'word' });
  let current = 0;
  for (const segment of wordSegmenter.segment(joined)) {
    if (!segment.isWordLike) {
      continue;
    }
    while (segment.index >= pending[current]!.end) {
      current++;
    }
    const run = pending[current]!;
    // A segment can join letters with punctuation (`a.b`); keep only its letter runs.
    for (const part of segment.segment.matchAll(letterOrDigit)) {
      result.get(run.index)!.push({
        text: part[0],
        start: run.start + segment.index - run.joinedStart + part.index,
      });
    }
  }
  return result;
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

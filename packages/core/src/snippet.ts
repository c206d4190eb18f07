import { type ParsedQuery, termMatches } from './query.js';
import { type Token, tokenize } from './text.js';

export interface SnippetOptions {
  /** Target length of the snippet in UTF-16 code units, markers and ellipses not counted. */
  maxLength?: number;
  /** Text placed before and after each matched word. */
  open?: string;
  close?: string;
}

const ellipsis = '…';
// How far a window edge may move to avoid cutting a word; longer words are cut on a grapheme.
const maxWordShift = 24;
let graphemeSegmenter: Intl.Segmenter | undefined;

/**
 * Build a one-line excerpt of `content` around the words that match `query`, with each matched
 * word wrapped in `open` and `close` (`**` by default). The excerpt is the window of
 * `maxLength` that holds the most matches; it starts and ends on word or grapheme boundaries,
 * with `…` where text was cut. Both stores compute snippets here, so they agree.
 */
export function buildSnippet(
  content: string,
  query: ParsedQuery,
  options: SnippetOptions = {},
): string {
  const maxLength = options.maxLength ?? 160;
  const open = options.open ?? '**';
  const close = options.close ?? '**';

  const tokens = tokenize(content);
  const matches = tokens.filter((token) => termMatches(token.term, query));
  if (matches.length === 0) {
    return preview(content, maxLength).text;
  }
  if (content.length <= maxLength) {
    return markMatches(content, matches, 0, content.length, open, close);
  }

  // Pick the window with the most matches, starting a little before its first match.
  const lead = Math.floor(maxLength / 5);
  let bestStart = 0;
  let bestCount = -1;
  for (const anchor of matches) {
    const start = Math.max(0, anchor.start - lead);
    const end = start + maxLength;
    const count = matches.filter((token) => token.start >= start && token.end <= end).length;
    if (count > bestCount) {
      bestCount = count;
      bestStart = start;
    }
  }

  let start = bestStart === 0 ? 0 : snapStart(content, bestStart, tokens);
  let end = Math.min(content.length, start + maxLength);
  if (end < content.length) {
    end = snapEnd(content, end, tokens);
  }
  if (end <= start) {
    start = 0;
    end = Math.min(content.length, maxLength);
  }
  return markMatches(content, matches, start, end, open, close);
}

function markMatches(
  content: string,
  matches: Token[],
  start: number,
  end: number,
  open: string,
  close: string,
): string {
  let excerpt = '';
  let cursor = start;
  for (const token of matches) {
    if (token.start < start || token.end > end) {
      continue;
    }
    const word = content.slice(token.start, token.end);
    if (token.start === cursor && excerpt.endsWith(close) && cursor > start) {
      // Adjacent matches (segmented CJK words) share one pair of markers.
      excerpt = excerpt.slice(0, -close.length) + word + close;
    } else {
      excerpt += content.slice(cursor, token.start) + open + word + close;
    }
    cursor = token.end;
  }
  excerpt += content.slice(cursor, end);

  const prefix = start > 0 ? ellipsis : '';
  const suffix = end < content.length ? ellipsis : '';
  return prefix + oneLine(excerpt) + suffix;
}

export interface Preview {
  text: string;
  truncated: boolean;
}

/**
 * Cut `text` to at most `maxLength` UTF-16 code units on a grapheme boundary (never inside a
 * surrogate pair, a combining sequence or an emoji sequence), preferring the last space before
 * the cut, and collapse it to one line. `…` marks a cut and counts towards the length.
 */
export function preview(text: string, maxLength: number): Preview {
  const flat = oneLine(text);
  if (flat.length <= maxLength) {
    return { text: flat, truncated: false };
  }

  const budget = Math.max(1, maxLength - ellipsis.length);
  let end = graphemeBoundary(flat, budget, true);
  const space = flat.lastIndexOf(' ', end);
  if (space > budget * 0.6) {
    end = space;
  }
  return { text: flat.slice(0, end).trimEnd() + ellipsis, truncated: true };
}

function oneLine(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/**
 * Move a window start forward to just after the next whitespace; when none is near, back to
 * the start of the word it falls in, so that no word is shown cut.
 */
function snapStart(text: string, index: number, tokens: Token[]): number {
  const space = text.slice(index, index + 24).search(/\s/u);
  if (space >= 0) {
    return index + space + 1;
  }
  const inside = tokens.find((token) => token.start < index && token.end > index);
  return inside && index - inside.start <= maxWordShift
    ? inside.start
    : graphemeBoundary(text, index, false);
}

/**
 * Move a window end back to the previous whitespace; when none is near, forward to the end of
 * the word it falls in.
 */
function snapEnd(text: string, index: number, tokens: Token[]): number {
  const window = text.slice(Math.max(0, index - 24), index);
  const space = window.search(/\s\S*$/u);
  if (space >= 0) {
    return index - window.length + space;
  }
  const inside = tokens.find((token) => token.start < index && token.end > index);
  return inside && inside.end - index <= maxWordShift
    ? inside.end
    : graphemeBoundary(text, index, true);
}

/** The grapheme boundary at or before (`backward`) or at or after `index`. */
function graphemeBoundary(text: string, index: number, backward: boolean): number {
  if (index <= 0 || index >= text.length) {
    return Math.max(0, Math.min(index, text.length));
  }
  graphemeSegmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });

  // Grapheme clusters are short; a window around the index is enough to find the boundary.
  const windowStart = Math.max(0, index - 64);
  const window = text.slice(windowStart, index + 64);
  let previous = windowStart;
  for (const segment of graphemeSegmenter.segment(window)) {
    const boundary = windowStart + segment.index;
    if (boundary === index) {
      return index;
    }
    if (boundary > index) {
      return backward ? previous : boundary;
    }
    previous = boundary;
  }
  return backward ? previous : Math.min(text.length, index);
}

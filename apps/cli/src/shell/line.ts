import { invalidArgument } from '@memzero/core';

/** The words of a shell line, and where the line stopped, for completion. */
export interface ScannedLine {
  words: string[];
  /** The quote still open at the end of the line, if any. */
  openQuote: '"' | "'" | undefined;
  /** True when the line ends with a backslash that escapes nothing. */
  danglingEscape: boolean;
  /**
   * Offset in the line where the last word starts, when the line ends inside a word. It is
   * undefined when the line is empty or ends with whitespace outside quotes.
   */
  lastWordStart: number | undefined;
}

/**
 * Scan a line as a POSIX shell splits words, without any expansion. Spaces and tabs separate
 * words, and single quotes keep everything literally. Inside double quotes a backslash escapes
 * only `"` and `\`, and outside quotes it escapes any character. `''` is an empty word.
 */
export function scanLine(line: string): ScannedLine {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let wordStart = 0;
  let quote: '"' | "'" | undefined;
  let danglingEscape = false;

  const startWord = (index: number) => {
    if (!inWord) {
      inWord = true;
      wordStart = index;
    }
  };

  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;

    if (quote === "'") {
      if (char === "'") {
        quote = undefined;
      } else {
        word += char;
      }
      continue;
    }

    if (quote === '"') {
      if (char === '"') {
        quote = undefined;
      } else if (char === '\\' && (line[index + 1] === '"' || line[index + 1] === '\\')) {
        word += line[index + 1];
        index++;
      } else {
        word += char;
      }
      continue;
    }

    if (char === ' ' || char === '\t') {
      if (inWord) {
        words.push(word);
        word = '';
        inWord = false;
      }
      continue;
    }

    startWord(index);
    if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '\\') {
      if (index + 1 < line.length) {
        word += line[index + 1];
        index++;
      } else {
        danglingEscape = true;
      }
    } else {
      word += char;
    }
  }

  if (inWord) {
    words.push(word);
  }
  return {
    words,
    openQuote: quote,
    danglingEscape,
    lastWordStart: inWord ? wordStart : undefined,
  };
}

/** Split a complete line into words, rejecting an unclosed quote or a trailing backslash. */
export function splitLine(line: string): string[] {
  const scanned = scanLine(line);

  if (scanned.openQuote) {
    const name = scanned.openQuote === '"' ? 'double' : 'single';
    throw invalidArgument(
      `The line has an unclosed ${name} quote. Close it with ${scanned.openQuote}, or escape the quote with a backslash to type it literally.`,
    );
  }
  if (scanned.danglingEscape) {
    throw invalidArgument(
      'The line ends with a backslash that escapes nothing. Remove it, or type \\\\ for a literal backslash.',
    );
  }
  return scanned.words;
}

// The search query mix: words and phrases drawn from the corpus by a seeded generator, plus
// fixed common words, prefixes, Chinese words and strings that look like query syntax.
import { seededRandom, shuffled } from './stats.mjs';

const commonWords = ['the', 'a', 'of', 'and', 'to', 'is', 'in', 'you', 'it', 'that', 'for', 'be'];

const fixedPrefixes = ['progr', 'comput', 'philos', 'mathem'];

const fixedChinese = ['人生', '朋友', '爱情', '电脑', '程序', '时间'];

/** Strings a person may type that mean something in FTS5 or SQL syntax. */
const hostileQueries = [
  'C++',
  '(',
  '"',
  'NOT',
  'AND',
  'OR',
  'NEAR',
  '*',
  '-',
  'C#',
  'NOT the',
  'love OR hate',
  'x AND (y OR z)',
  '"unterminated quote',
  'title:love',
  '^start',
  'NEAR(cat dog, 3)',
  "'; DROP TABLE memories; --",
  'node.js',
  '🙂',
];

const asciiWord = /^[a-z]+$/;
const hanWord = /^\p{Script=Han}+$/u;

/**
 * Build about 220 queries in categories. `entries` are corpus entries with `content` and
 * `language`. `tokenize` is core's tokenizer, so every drawn word is one the index holds.
 */
export function buildQueries(entries, tokenize, seed = 7) {
  const random = seededRandom(seed);
  const pick = (items) => items[Math.floor(random() * items.length)];
  const english = entries.filter((entry) => entry.language === 'en');
  const chinese = entries.filter((entry) => entry.language === 'zh');

  const englishFrequency = documentFrequency(english, tokenize, (term) => asciiWord.test(term));
  const chineseFrequency = documentFrequency(
    chinese,
    tokenize,
    (term) => hanWord.test(term) && term.length >= 2,
  );

  // Terms by descending document frequency; ties in alphabetical order for a stable draw.
  const rankedEnglish = rankTerms(englishFrequency);
  const rankedChinese = rankTerms(chineseFrequency);

  const queries = [];
  const add = (category, texts) => {
    for (const text of texts) {
      queries.push({ category, text });
    }
  };

  add('common word', commonWords);

  const midFrequency = rankedEnglish.slice(200, 3000).filter((term) => term.length >= 4);
  add('mid-frequency word', shuffled(midFrequency, random).slice(0, 30));

  const rare = rankedEnglish.filter((term) => englishFrequency.get(term) <= 2 && term.length >= 5);
  add('rare word', shuffled(rare, random).slice(0, 30));

  add('two-word phrase', drawPhrases(english, tokenize, 2, 30, random, pick));
  add('three-word phrase', drawPhrases(english, tokenize, 3, 25, random, pick));

  const prefixSources = shuffled(
    rankedEnglish.slice(50, 2000).filter((term) => term.length >= 7),
    random,
  ).slice(0, 25 - fixedPrefixes.length);
  add('prefix', [
    ...fixedPrefixes,
    ...prefixSources.map((term) => term.slice(0, 4 + Math.floor(random() * 3))),
  ]);

  const chineseWords = shuffled(rankedChinese.slice(20, 2000), random)
    .filter((term) => !fixedChinese.includes(term))
    .slice(0, 30 - fixedChinese.length);
  add('chinese word', [...fixedChinese, ...chineseWords]);
  add('chinese phrase', drawChineseRuns(chinese, 10, random, pick));

  add('hostile', hostileQueries);
  add('pasted paragraph', drawParagraphs(english, tokenize, 5, pick));

  return queries;
}

function documentFrequency(entries, tokenize, keep) {
  const frequency = new Map();
  for (const entry of entries) {
    const terms = new Set(tokenize(entry.content).map((token) => token.term));
    for (const term of terms) {
      if (keep(term)) {
        frequency.set(term, (frequency.get(term) ?? 0) + 1);
      }
    }
  }
  return frequency;
}

function rankTerms(frequency) {
  const byFrequencyThenName = (a, b) => {
    const difference = frequency.get(b) - frequency.get(a);
    if (difference !== 0) {
      return difference;
    }
    return a < b ? -1 : 1;
  };
  return [...frequency.keys()].sort(byFrequencyThenName);
}

/** Runs of `length` consecutive alphabetic words as they appear in random entries. */
function drawPhrases(entries, tokenize, length, count, random, pick) {
  const phrases = new Set();
  while (phrases.size < count) {
    const tokens = tokenize(pick(entries).content).filter((token) => asciiWord.test(token.term));
    if (tokens.length < length) {
      continue;
    }
    const offset = Math.floor(random() * (tokens.length - length + 1));
    const words = tokens.slice(offset, offset + length).map((token) => token.term);
    phrases.add(words.join(' '));
  }
  return [...phrases];
}

/** Runs of 4 to 8 Han characters cut from random entries, typed without spaces. */
function drawChineseRuns(entries, count, random, pick) {
  const runs = new Set();
  while (runs.size < count) {
    const candidates = pick(entries).content.match(/\p{Script=Han}{4,}/gu) ?? [];
    if (candidates.length === 0) {
      continue;
    }
    const run = candidates[Math.floor(random() * candidates.length)];
    const length = Math.min(run.length, 4 + Math.floor(random() * 5));
    runs.add(run.slice(0, length));
  }
  return [...runs];
}

/** Whole English entries of at least 40 words, as if pasted into the search box. */
function drawParagraphs(entries, tokenize, count, pick) {
  const paragraphs = new Set();
  while (paragraphs.size < count) {
    const content = pick(entries).content;
    if (tokenize(content).length >= 40) {
      paragraphs.add(content.replace(/\s+/g, ' ').trim().slice(0, 1000));
    }
  }
  return [...paragraphs];
}

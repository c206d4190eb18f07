import { Mem0Error } from '../src/errors.js';
import { limits } from '../src/limits.js';
import { parseQuery, termMatches } from '../src/query.js';

describe('parseQuery', () => {
  it.each([
    ['', 'empty'],
    ['   ', 'spaces'],
    ['\n\t', 'newline and tab'],
  ])('rejects a blank query (%j, %s)', (text) => {
    expect(() => parseQuery(text)).toThrow(Mem0Error);
    try {
      parseQuery(text);
    } catch (error) {
      expect((error as Mem0Error).code).toBe('invalid_argument');
    }
  });

  it('rejects an over-long query', () => {
    expect(() => parseQuery('a'.repeat(limits.queryMaxChars + 1))).toThrow(/longer than/);
  });

  it.each([
    ['C++', ['c']],
    ['foo::bar', ['foo', 'bar']],
    ['--flag', ['flag']],
    ["a'b", ['a', 'b']],
    ['(', []],
    ['*', []],
    ['"', []],
    ['AND or NOT near', ['and', 'or', 'not', 'near']],
    ['https://example.com/a?b=c', ['https', 'example', 'com', 'a', 'b', 'c']],
    ['🎉', ['🎉']],
    ['Café', ['cafe']],
  ])('reads %j as words', (text, terms) => {
    expect(parseQuery(text).terms).toEqual(terms);
  });

  it('drops repeated words', () => {
    expect(parseQuery('the cat the hat').terms).toEqual(['the', 'cat', 'hat']);
  });

  it('keeps at most the maximum number of terms', () => {
    const words = Array.from({ length: limits.queryMaxTerms + 10 }, (_, i) => `w${i}`);
    expect(parseQuery(words.join(' ')).terms).toHaveLength(limits.queryMaxTerms);
  });

  it('matches the last word as a prefix when typed to the end', () => {
    expect(parseQuery('when is stag').prefixLast).toBe(true);
  });

  it('matches no prefix after trailing punctuation', () => {
    expect(parseQuery('C++').prefixLast).toBe(false);
    expect(parseQuery('staging.').prefixLast).toBe(false);
  });

  it('matches no prefix for short words', () => {
    expect(parseQuery('go').prefixLast).toBe(false);
  });

  it('allows a two-character prefix in Chinese', () => {
    expect(parseQuery('数据').prefixLast).toBe(true);
  });
});

describe('termMatches', () => {
  it('matches whole terms and the last prefix', () => {
    const query = parseQuery('reset stag');
    expect(termMatches('reset', query)).toBe(true);
    expect(termMatches('staging', query)).toBe(true);
    expect(termMatches('resets', query)).toBe(false);
  });
});

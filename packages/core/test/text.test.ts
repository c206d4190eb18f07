import { contentHash, normalizeContent, normalizeTerm, searchText, tokenize } from '../src/text.js';

describe('tokenize', () => {
  it('splits on punctuation and lower-cases', () => {
    expect(tokenize('Hello, World! foo::bar --flag C++').map((token) => token.term)).toEqual([
      'hello',
      'world',
      'foo',
      'bar',
      'flag',
      'c',
    ]);
  });

  it('keeps offsets into the original text', () => {
    const text = 'Ünïcode café';
    for (const token of tokenize(text)) {
      expect(normalizeTerm(text.slice(token.start, token.end))).toBe(token.term);
    }
  });

  it('keeps offsets in mixed scripts', () => {
    const text = 'deploy 東京タワー, then 数据库备份 and ＡＢＣ 日本語のテキスト';
    const tokens = tokenize(text);
    expect(tokens.length).toBeGreaterThan(8);
    for (const token of tokens) {
      expect(normalizeTerm(text.slice(token.start, token.end))).toBe(token.term);
    }
    expect(tokens.map((token) => token.start)).toEqual(
      [...tokens.map((token) => token.start)].sort((a, b) => a - b),
    );
  });

  it('folds accents', () => {
    expect(searchText('Café Crème Ångström naïve')).toBe('cafe creme angstrom naive');
  });

  it('segments Chinese and Japanese into words', () => {
    expect(searchText('数据库备份每周日')).toContain('备份');
    expect(searchText('日本語のテキスト検索').split(' ')).toEqual(
      expect.arrayContaining(['日本語', 'テキスト', '検索']),
    );
  });

  it('keeps Japanese voicing marks', () => {
    expect(normalizeTerm('ガ')).toBe('ガ');
    expect(normalizeTerm('ｶﾞ')).toBe('ガ');
  });

  it('treats each emoji as a word', () => {
    expect(tokenize('ship it 🚀🎉').map((token) => token.term)).toEqual(['ship', 'it', '🚀', '🎉']);
  });

  it('finds no words in punctuation', () => {
    expect(tokenize('( * -- ++ "\'')).toEqual([]);
  });
});

describe('contentHash', () => {
  it('ignores outer and repeated whitespace', () => {
    expect(contentHash('  a  b\n\tc ')).toBe(contentHash('a b c'));
  });

  it('treats composed and decomposed forms alike', () => {
    expect(contentHash('caf\u00e9')).toBe(contentHash('cafe\u0301'));
  });

  it('keeps case and punctuation significant', () => {
    expect(contentHash('Deploy on Friday')).not.toBe(contentHash('deploy on friday'));
    expect(contentHash('done.')).not.toBe(contentHash('done'));
  });

  it('normalizes to single spaces', () => {
    expect(normalizeContent(' x \n\n y ')).toBe('x y');
  });
});

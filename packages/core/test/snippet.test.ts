import { parseQuery } from '../src/query.js';
import { buildSnippet, preview } from '../src/snippet.js';

describe('buildSnippet', () => {
  it('marks every matched word', () => {
    const snippet = buildSnippet(
      'The staging database is reset on Sunday',
      parseQuery('staging reset'),
    );
    expect(snippet).toBe('The **staging** database is **reset** on Sunday');
  });

  it('marks accented words found without accents', () => {
    expect(buildSnippet('Un café noir', parseQuery('cafe'))).toBe('Un **café** noir');
  });

  it('cuts long text around the matches with ellipses', () => {
    const content = `${'lorem ipsum '.repeat(40)}needle here ${'dolor sit '.repeat(40)}`;
    const snippet = buildSnippet(content, parseQuery('needle'), { maxLength: 60 });
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet).toContain('**needle**');
    expect(snippet.length).toBeLessThanOrEqual(60 + 6);
  });

  it('joins adjacent CJK matches under one marker', () => {
    expect(buildSnippet('数据库备份', parseQuery('数据库'))).toBe('**数据库**备份');
  });

  it('keeps short content whole', () => {
    const content = 'Launch day is marked with 🚀 in the calendar';
    expect(buildSnippet(content, parseQuery('calendar'))).toBe(
      'Launch day is marked with 🚀 in the **calendar**',
    );
  });

  it('cuts no word in a long URL', () => {
    const content = `${'intro words '.repeat(20)}see https://example.com/a/very/long/path/to/the/runbook/page/for/backups and ${'more words '.repeat(20)}`;
    const snippet = buildSnippet(content, parseQuery('runbook'), { maxLength: 80 });
    const words = snippet
      .replace(/…/g, '')
      .replace(/\*\*/g, '')
      .split(/[^a-z]+/)
      .filter(Boolean);
    for (const word of words) {
      expect([
        'intro',
        'words',
        'see',
        'https',
        'example',
        'com',
        'a',
        'very',
        'long',
        'path',
        'to',
        'the',
        'runbook',
        'page',
        'for',
        'backups',
        'and',
        'more',
      ]).toContain(word);
    }
  });

  it('collapses newlines to one line', () => {
    expect(buildSnippet('a\n\nneedle\tb', parseQuery('needle'))).toBe('a **needle** b');
  });

  it('falls back to a preview without matches', () => {
    expect(buildSnippet('nothing to see', parseQuery('absent'))).toBe('nothing to see');
  });
});

describe('preview', () => {
  it('keeps short text whole', () => {
    expect(preview('short', 10)).toEqual({ text: 'short', truncated: false });
  });

  it('never splits a surrogate pair', () => {
    const result = preview('😀'.repeat(20), 9);
    expect(result.truncated).toBe(true);
    expect(result.text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/u);
    expect([...result.text.replace('…', '')].every((char) => char === '😀')).toBe(true);
  });

  it('never splits a combining sequence', () => {
    const text = 'e\u0301'.repeat(20);
    const result = preview(text, 8);
    expect(result.text.replace('…', '').endsWith('\u0301')).toBe(true);
  });

  it('never splits an emoji sequence', () => {
    const family = '👨‍👩‍👧';
    const result = preview(family.repeat(5), 12);
    const body = result.text.replace('…', '');
    expect(body.length % family.length).toBe(0);
  });

  it('stays within the length', () => {
    expect(preview('word '.repeat(100), 50).text.length).toBeLessThanOrEqual(50);
  });
});

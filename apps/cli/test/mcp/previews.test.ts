import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

import { call, connect, makeHome, structured, textOf } from './helpers';

interface Summary {
  id: string;
  preview: string;
  truncated: boolean;
  contentLength: number;
}

interface Page {
  items: Summary[];
  nextCursor: string | null;
}

// Kept in step with previewMaxChars and resultBudget in src/present.ts.
const previewMaxChars = 280;
const listingBudget = 65_536;

const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';
const flag = '\u{1F1EB}\u{1F1F7}';
const combining = 'e\u0301\u0323';

function graphemeEnds(text: string): Set<number> {
  const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
  return new Set(
    [...segmenter.segment(text)].map((segment) => segment.index + segment.segment.length),
  );
}

function resultSize(result: CallToolResult): number {
  return JSON.stringify(result.structuredContent).length + JSON.stringify(textOf(result)).length;
}

describe('previews and size budget', () => {
  let client: Client;
  let remove: () => void;

  beforeAll(async () => {
    const home = makeHome();
    remove = home.remove;
    client = await connect(home.home);
  });

  afterAll(async () => {
    await client.close();
    remove();
  });

  test.each([
    ['emoji family', family],
    ['flag', flag],
    ['combining marks', combining],
  ])('preview keeps %s whole at the cut', async (label, cluster) => {
    // Start the clusters at every offset around the cut, so one of them straddles it.
    for (let pad = 265; pad < 280; pad += 1) {
      const content = `${label}:${'a'.repeat(pad)}${cluster.repeat(40)}`;
      const added = structured<{ memory: Summary }>(
        await call(client, 'add_memory', { content, context: 'graphemes' }),
      );
      const { preview, truncated, contentLength } = added.memory;

      expect(truncated).toBe(true);
      expect(contentLength).toBe([...content].length);
      expect(preview.length).toBeLessThanOrEqual(previewMaxChars);
      expect(preview.endsWith('…')).toBe(true);
      const kept = preview.slice(0, -1);
      expect(content.startsWith(kept)).toBe(true);
      expect([pad, graphemeEnds(content).has(kept.length)]).toEqual([pad, true]);
    }
  });

  test('search and list previews are cut', async () => {
    const content = `budgetword ${'long text '.repeat(500)}`.trimEnd();
    await call(client, 'add_memory', { content, context: 'long' });

    const searched = structured<Page>(
      await call(client, 'search_memories', { query: 'budgetword' }),
    );
    const listed = structured<Page>(await call(client, 'list_memories', { context: 'long' }));

    for (const page of [searched, listed]) {
      expect(page.items[0]?.truncated).toBe(true);
      expect(page.items[0]?.contentLength).toBe(content.length);
      expect(page.items[0]?.preview.length).toBeLessThanOrEqual(previewMaxChars);
    }
  });

  test('get_memory returns the full text', async () => {
    const content = `${family}${'z'.repeat(32_000)}${combining}`;
    const added = structured<{ memory: Summary }>(
      await call(client, 'add_memory', { content, context: 'full' }),
    );

    const fetched = await call(client, 'get_memory', { id: added.memory.id });

    expect(structured<{ memory: { content: string } }>(fetched).memory.content).toBe(content);
    expect(textOf(fetched)).toContain(content);
  });

  test('list pages fit the budget', async () => {
    const tags = Array.from({ length: 32 }, (_, index) => `tag-${index}-${'t'.repeat(56)}`);
    for (let index = 0; index < 30; index += 1) {
      await call(client, 'add_memory', {
        content: `budget memory ${index} ${'w '.repeat(400)}`,
        context: 'budget',
        tags,
      });
    }

    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const args: Record<string, unknown> = { context: 'budget', limit: 100 };
      if (cursor) {
        args.cursor = cursor;
      }
      const result = await call(client, 'list_memories', args);
      expect(resultSize(result)).toBeLessThanOrEqual(listingBudget);
      const page = structured<Page>(result);
      for (const item of page.items) {
        seen.add(item.id);
      }
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);

    expect(pages).toBeGreaterThan(1);
    expect(seen.size).toBe(30);
  });

  test('search pages fit the budget', async () => {
    const result = await call(client, 'search_memories', {
      query: 'budget',
      context: 'budget',
      limit: 100,
    });

    expect(resultSize(result)).toBeLessThanOrEqual(listingBudget);
    expect(structured<Page>(result).nextCursor).not.toBeNull();
  });
});

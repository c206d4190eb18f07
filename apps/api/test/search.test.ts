import request from 'supertest';

import { bearer, callers, expectProblem, startTestServer, type TestServer } from './helpers';

interface HitBody {
  id: string;
  content: string;
  score: number;
  snippet: string;
}

interface SearchPage {
  items: HitBody[];
  nextCursor: string | null;
}

const memories = {
  cpp: 'Compile the C++ parser with clang',
  scope: 'Call net::connect before sending',
  flag: 'Start the worker with --verbose for traces',
  and: 'Bread AND butter for breakfast',
  emoji: 'The party is tagged 🎉 on the wall calendar',
  cjk: '東京の事務所は月曜日に開きます',
  accented: 'Lunch at the crêperie near the office',
};

/** Queries and the memory each must find. */
const findingQueries: [string, string][] = [
  ['C++', memories.cpp],
  ['net::connect', memories.scope],
  ['--verbose', memories.flag],
  ['AND', memories.and],
  ['🎉', memories.emoji],
  ['東京', memories.cjk],
  ['creperie', memories.accented],
  ['"bread', memories.and],
  ['butter*', memories.and],
  ['NEAR/2', memories.accented],
];

/** Queries made of query syntax or no word at all, which must return 200 and no hits. */
const emptyQueries = ['"', '*', '(', ')', '""', 'OR', '\\', 'zzzqqq'];

let server: TestServer;
const writer = bearer(callers.writer);

beforeAll(async () => {
  server = await startTestServer();
  for (const content of Object.values(memories)) {
    const response = await request(server.url).post('/v1/memories').set(writer).send({ content });
    expect(response.status).toBe(201);
  }
});

afterAll(async () => {
  await server.close();
});

function search(body: unknown) {
  return request(server.url)
    .post('/v1/search')
    .set(writer)
    .send(body as object);
}

describe('POST /v1/search', () => {
  it.each(findingQueries)('%s finds its memory', async (query, expected) => {
    const response = await search({ query });

    expect(response.status).toBe(200);
    const page = response.body as SearchPage;
    expect(page.items.map((hit) => hit.content)).toContain(expected);
  });

  it.each(emptyQueries)('%s answers 200 with no hits', async (query) => {
    const response = await search({ query });

    expect(response.status).toBe(200);
    expect((response.body as SearchPage).items).toEqual([]);
  });

  it('hit carries score and snippet', async () => {
    const response = await search({ query: '東京' });

    const [hit] = (response.body as SearchPage).items;
    expect(typeof hit!.score).toBe('number');
    expect(hit!.snippet).toContain('**東京**');
  });

  it.each(['', '   ', '\t\n'])('blank query %j is 400', async (query) => {
    const response = await search({ query });

    const problem = expectProblem(response, 400, 'invalid_argument');
    expect(problem.detail).toContain('empty');
  });

  it('missing query is 422', async () => {
    const response = await search({ limit: 5 });

    const problem = expectProblem(response, 422, 'validation_failed');
    expect(problem.detail).toContain('query');
  });

  it('pages with nextCursor', async () => {
    const contents = ['pager alpha one', 'pager alpha two', 'pager alpha three'];
    for (const content of contents) {
      await request(server.url)
        .post('/v1/memories')
        .set(writer)
        .send({ content, context: 'pager' });
    }

    const first = await search({ query: 'pager alpha', context: 'pager', limit: 2 });
    const firstPage = first.body as SearchPage;
    expect(firstPage.items).toHaveLength(2);
    expect(firstPage.nextCursor).not.toBeNull();

    const second = await search({
      query: 'pager alpha',
      context: 'pager',
      limit: 2,
      cursor: firstPage.nextCursor,
    });
    const secondPage = second.body as SearchPage;
    expect(secondPage.items).toHaveLength(1);
    expect(secondPage.nextCursor).toBeNull();
    expect([...firstPage.items, ...secondPage.items].map((hit) => hit.content).sort()).toEqual(
      [...contents].sort(),
    );
  });

  it('filters by tags', async () => {
    await request(server.url)
      .post('/v1/memories')
      .set(writer)
      .send({ content: 'tagged kiwi note', tags: ['fruit'] });
    await request(server.url)
      .post('/v1/memories')
      .set(writer)
      .send({ content: 'untagged kiwi note' });

    const response = await search({ query: 'kiwi', tags: ['fruit'] });

    expect((response.body as SearchPage).items.map((hit) => hit.content)).toEqual([
      'tagged kiwi note',
    ]);
  });

  it('unknown field is 422', async () => {
    const response = await search({ query: 'kiwi', sort: 'date' });

    const problem = expectProblem(response, 422, 'validation_failed');
    expect(problem.detail).toContain('sort');
  });

  it('over-large limit is 422', async () => {
    const response = await search({ query: 'kiwi', limit: 10_000 });

    expectProblem(response, 422, 'validation_failed');
  });

  it('read key may search', async () => {
    const response = await request(server.url)
      .post('/v1/search')
      .set(bearer(callers.reader))
      .send({ query: 'C++' });

    expect(response.status).toBe(200);
  });
});

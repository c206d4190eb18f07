import request from 'supertest';

import { bearer, callers, expectProblem, startTestServer, type TestServer } from './helpers';

let server: TestServer;
const ana = bearer(callers.writer);
const ben = bearer(callers.other);
let anasMemory: { id: string; content: string; version: number };

beforeAll(async () => {
  server = await startTestServer();
  const response = await request(server.url)
    .post('/v1/memories')
    .set(ana)
    .send({ content: 'Ana keeps the launch codes in the blue folder', context: 'private' });
  expect(response.status).toBe(201);
  anasMemory = response.body as typeof anasMemory;
});

afterAll(async () => {
  await server.close();
});

describe('two users on one database', () => {
  it('both stores use the same file', () => {
    expect(server.stores.store('ana').path).toBe(server.stores.store('ben').path);
  });

  it.each([
    ['get', ''],
    ['patch', ''],
    ['delete', ''],
    ['get', '/history'],
  ] as const)('ben gets 404 on %s of ana’s memory%s', async (method, suffix) => {
    const client = request(server.url);
    const body = method === 'patch' ? { content: 'Ben was here' } : undefined;

    const response = await client[method](`/v1/memories/${anasMemory.id}${suffix}`)
      .set(ben)
      .send(body);
    const problem = expectProblem(response, 404, 'not_found');

    // The response must not differ from the one for an id that exists nowhere.
    const missing = await client[method](`/v1/memories/01JAAAAAAAAAAAAAAAAAAAAAAA${suffix}`)
      .set(ben)
      .send(body);
    expect(problem.detail.replace(anasMemory.id, 'ID')).toBe(
      (missing.body as { detail: string }).detail.replace('01JAAAAAAAAAAAAAAAAAAAAAAA', 'ID'),
    );
  });

  it('ben’s list does not show it', async () => {
    const response = await request(server.url).get('/v1/memories').set(ben);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ items: [], nextCursor: null });
  });

  it('ben’s search does not find it', async () => {
    const response = await request(server.url)
      .post('/v1/search')
      .set(ben)
      .send({ query: 'launch codes' });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ items: [], nextCursor: null });
  });

  it('ben cannot list ana’s context', async () => {
    const response = await request(server.url).get('/v1/memories?context=private').set(ben);

    expectProblem(response, 404, 'not_found');
  });

  it('ben’s contexts do not include ana’s', async () => {
    const response = await request(server.url).get('/v1/contexts').set(ben);

    const names = (response.body as { items: { name: string }[] }).items.map((item) => item.name);
    expect(names).not.toContain('private');
  });

  it('same content is a new memory for ben', async () => {
    const response = await request(server.url)
      .post('/v1/memories')
      .set(ben)
      .send({ content: anasMemory.content, context: 'private' });

    expect(response.status).toBe(201);
    expect((response.body as { id: string; authorId: string }).id).not.toBe(anasMemory.id);
    expect((response.body as { authorId: string }).authorId).toBe('ben');
  });

  it('ana’s memory is unchanged', async () => {
    const response = await request(server.url).get(`/v1/memories/${anasMemory.id}`).set(ana);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ content: anasMemory.content, version: 1 });
  });
});

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import request from 'supertest';

import { importMemories, type MemoryStore } from '@memzero/core';
import type { SqliteStore } from '@memzero/db';

import { createLocalApp, createLogger } from '../src/index.js';
import { closeServer, expectProblem, listenOnLoopback, temporaryDirectory } from './helpers.js';
import {
  bearerHeader,
  createTemporaryDatabase,
  registerUser,
  startTeamServer,
  type TeamServer,
  type TemporaryDatabase,
  testPassword,
} from './team-server.js';

/** Memories with text that search engines tend to treat as syntax or split badly. */
const specialMemories = {
  cpp: 'The C++ renderer builds with clang and starts in foo::bar',
  flag: 'Pass --flag to the release script before tagging',
  quote: "The key a'b trips the old config parser",
  url: 'Restore steps live at https://docs.example.org/runbooks/restore?step=2#verify',
  cafe: 'Team lunch at the café on the corner, Thursdays at noon',
  chinese: '服务器每周六凌晨自动备份数据库',
  japanese: '東京の会議室は三階にあります',
  korean: '주간 회의는 월요일 오전에 합니다',
  emoji: 'Deploy freeze ends 🎉 after the audit',
  operators: 'In this note NEAR, NOT and "AND" are ordinary words',
  punctuation: "It's an unbalanced col: {x} or 50% of the_rows (see ^ and <->)",
};

/** A query a person might type, and the special memory it must find. */
const findingQueries: [string, keyof typeof specialMemories][] = [
  ['C++', 'cpp'],
  ['foo::bar', 'cpp'],
  ['--flag', 'flag'],
  ["a'b", 'quote'],
  ['https://docs.example.org/runbooks/restore', 'url'],
  ['café', 'cafe'],
  ['CAFÉ', 'cafe'],
  ['cafe', 'cafe'],
  ['数据库', 'chinese'],
  ['会議室', 'japanese'],
  ['월요일', 'korean'],
  ['🎉', 'emoji'],
  ['NEAR', 'operators'],
  ['NOT', 'operators'],
  ['"AND"', 'operators'],
];

/** The hostile queries of the store tests: syntax of FTS5 and tsquery, quotes, control characters. */
const hostileQueries = [
  '(',
  ')',
  '*',
  '"',
  '""',
  "'",
  '-',
  '--',
  'NOT',
  'OR',
  'AND',
  'a AND',
  '^',
  ':',
  'col:',
  '{',
  'NEAR(',
  '"unbalanced',
  '\\',
  '%',
  '_',
  '\u0000',
  '🙈🙉',
  '😀'.repeat(50),
  "it's",
  'a:* & b',
  '!alpha',
  'alpha | beta',
  '<->',
];

const blankQueries = ['', ' ', '\t\n', '\u00a0\u3000'];

// Words of falling frequency, so that the corpus has common, middling and rare words.
const vocabulary = ['alpha', 'beta', 'gamma', 'deploy', 'cache', 'queue', 'replica', 'tenant'];

/**
 * Build the same import lines for both stores: generated notes plus the special memories, each
 * with a fixed id and creation time, so that both backends hold identical rows and ids.
 */
function corpusLines(size: number): string[] {
  let state = 11;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };

  const records: object[] = [];
  for (let index = 0; index < size; index++) {
    const words = Array.from(
      { length: 3 + Math.floor(random() * 8) },
      () => vocabulary[Math.floor(random() ** 2 * vocabulary.length)]!,
    );
    records.push({
      id: `01J${String(index).padStart(23, '0')}`,
      content: `${words.join(' ')} entry ${index}`,
      context: index % 4 === 0 ? 'ops' : 'default',
      createdAt: new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString(),
    });
  }
  Object.values(specialMemories).forEach((content, index) => {
    records.push({
      id: `01K${String(index).padStart(23, '0')}`,
      content,
      createdAt: new Date(Date.UTC(2026, 1, 1) + index * 60_000).toISOString(),
    });
  });
  return records.map((record) => JSON.stringify(record));
}

async function load(store: MemoryStore, lines: string[]): Promise<void> {
  async function* iterate() {
    yield* lines;
  }
  const outcomes = await importMemories(store, iterate());
  expect(outcomes).toMatchObject({ added: lines.length });
}

interface Backend {
  url: string;
  headers: Record<string, string>;
}

interface HitBody {
  id: string;
  content: string;
  score: number;
  snippet: string;
}

describe('search over HTTP on SQLite and PostgreSQL', () => {
  const directory = temporaryDirectory('hostile');
  let localServer: Server;
  let localStore: SqliteStore;
  let temporary: TemporaryDatabase;
  let team: TeamServer;
  // SQLite first, then PostgreSQL: `searchBoth` returns the responses in this order.
  const backends: Backend[] = [];

  beforeAll(async () => {
    const lines = corpusLines(400);
    const logger = createLogger({ level: 'silent', name: 'test' });

    const token = randomBytes(24).toString('base64url');
    const local = createLocalApp({ databasePath: join(directory.path, 'mem0.db'), token, logger });
    localStore = local.store;
    localServer = await listenOnLoopback(local.app);
    await load(localStore, lines);
    backends.push({
      url: `http://127.0.0.1:${(localServer.address() as AddressInfo).port}`,
      headers: bearerHeader(token),
    });

    temporary = await createTemporaryDatabase();
    team = await startTeamServer(temporary.url);
    const user = await registerUser(team.url, 'searcher@example.com');
    await load(team.database.storeFor(user.user.id), lines);
    backends.push({ url: team.url, headers: bearerHeader(user.accessToken) });
  });

  afterAll(async () => {
    if (localServer) {
      await closeServer(localServer);
    }
    await localStore?.close();
    directory.remove();
    await team?.close();
    await temporary?.drop();
  });

  /** Send one search body to both backends. */
  const searchBoth = (body: object) =>
    Promise.all(
      backends.map((backend) =>
        request(backend.url).post('/v1/search').set(backend.headers).send(body),
      ),
    );

  const idsOf = (response: request.Response) =>
    (response.body.items as HitBody[]).map((hit) => hit.id);

  /** Check that both backends return the same hits in the same order, snippets and scores included. */
  const expectSameHits = (onSqlite: request.Response, onPostgres: request.Response) => {
    const sqliteHits = onSqlite.body.items as HitBody[];
    const postgresHits = onPostgres.body.items as HitBody[];

    expect(postgresHits.map((hit) => hit.id)).toEqual(sqliteHits.map((hit) => hit.id));
    expect(postgresHits.map((hit) => hit.snippet)).toEqual(sqliteHits.map((hit) => hit.snippet));
    postgresHits.forEach((hit, index) => {
      expect(hit.score).toBeCloseTo(sqliteHits[index]!.score, 4);
    });
  };

  it.each(hostileQueries)('hostile query %j returns 200 alike', async (query) => {
    const [onSqlite, onPostgres] = await searchBoth({ query, limit: 20 });

    expect(onSqlite!.status).toBe(200);
    expect(onPostgres!.status).toBe(200);
    expectSameHits(onSqlite!, onPostgres!);
  });

  it.each([
    ['alpha | beta', 20],
    ["it's", 1],
    ['col:', 1],
    ['OR', 1],
    ['a:* & b', 1],
    ['"unbalanced', 1],
  ])('hostile query %j finds %d memories', async (query, count) => {
    // Guards the table above against passing only because the queries match nothing.
    const [onSqlite, onPostgres] = await searchBoth({ query, limit: 20 });

    expect(idsOf(onSqlite!)).toHaveLength(count);
    expectSameHits(onSqlite!, onPostgres!);
  });

  it.each(findingQueries)('%s finds its memory on both', async (query, key) => {
    const [onSqlite, onPostgres] = await searchBoth({ query, limit: 20 });

    expect(onSqlite!.status).toBe(200);
    expect(onPostgres!.status).toBe(200);
    const contents = (onPostgres!.body.items as HitBody[]).map((hit) => hit.content);
    expect(contents).toContain(specialMemories[key]);
    expectSameHits(onSqlite!, onPostgres!);
  });

  it.each(blankQueries)('blank query %j returns 400 on both', async (query) => {
    const responses = await searchBoth({ query });

    for (const response of responses) {
      const problem = expectProblem(response, 400, 'invalid_argument');
      expect(problem.detail).toContain('empty');
    }
  });

  it('over-long query returns 400 on both', async () => {
    const responses = await searchBoth({ query: 'a'.repeat(1_001) });

    for (const response of responses) {
      expectProblem(response, 400, 'invalid_argument');
    }
  });

  it('query of another type returns 422 on both', async () => {
    const responses = await searchBoth({ query: ['alpha'] });

    for (const response of responses) {
      expectProblem(response, 422, 'validation_failed');
    }
  });
});

describe('malformed request bodies on the team app', () => {
  let temporary: TemporaryDatabase;
  let team: TeamServer;
  let headers: Record<string, string>;

  beforeAll(async () => {
    temporary = await createTemporaryDatabase();
    team = await startTeamServer(temporary.url, { app: { bodyLimitBytes: 16 * 1024 } });
    headers = bearerHeader((await registerUser(team.url, 'sender@example.com')).accessToken);
  });

  afterAll(async () => {
    await team?.close();
    await temporary?.drop();
  });

  const oversized = JSON.stringify({ query: 'x'.repeat(17 * 1024) });

  // Each route is tried with and without authentication, because they parse bodies at
  // different points of their middleware.
  const routes: [string, () => Record<string, string>][] = [
    ['/v1/search', () => headers],
    ['/v1/memories', () => headers],
    ['/v1/auth/login', () => ({})],
    ['/v1/auth/register', () => ({})],
  ];

  it.each(routes)('%s rejects malformed JSON with 400', async (path, auth) => {
    const response = await request(team.url)
      .post(path)
      .set(auth())
      .set('Content-Type', 'application/json')
      .send('{"query": "unterminated');

    const problem = expectProblem(response, 400, 'invalid_argument');
    expect(problem.detail).toContain('not valid JSON');
  });

  it.each(routes)('%s rejects a form body with 415', async (path, auth) => {
    const response = await request(team.url)
      .post(path)
      .set(auth())
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(`email=sender%40example.com&password=${encodeURIComponent(testPassword)}`);

    expectProblem(response, 415, 'unsupported_media_type');
  });

  it.each(routes)('%s rejects an oversized body with 413', async (path, auth) => {
    const response = await request(team.url)
      .post(path)
      .set(auth())
      .set('Content-Type', 'application/json')
      .send(oversized);

    const problem = expectProblem(response, 413, 'payload_too_large');
    expect(problem.detail).toContain(String(16 * 1024));
  });

  it('accepts the same route with a well-formed body', async () => {
    // The rejections above must come from the body, not from the route or the credential.
    const response = await request(team.url)
      .post('/v1/search')
      .set(headers)
      .send({ query: 'anything' });

    expect(response.status).toBe(200);
  });
});
